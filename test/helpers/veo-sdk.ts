// The real @google/genai SDK pointed at a Veo simulator, as the Veo adapter uses it: Vertex AI mode with a bearer token.
import { GenerateVideosOperation, GoogleGenAI } from '@google/genai';

export const VEO_MODEL = 'veo-3.1-generate-001';

/** A Vertex AI client for `project` in `location` whose requests go to `baseUrl`. */
export function vertexClient(
  baseUrl: string,
  { project = 'demo', location = 'us-central1' }: { project?: string; location?: string } = {},
): GoogleGenAI {
  return new GoogleGenAI({
    vertexai: true,
    project,
    location,
    httpOptions: { baseUrl },
    googleAuthOptions: {
      authClient: { getRequestHeaders: async () => new Headers({ Authorization: 'Bearer t' }) } as never,
    },
  });
}

/** Submits one 4-second video (predictLongRunning) and returns the operation name. */
export async function submitVideo(ai: GoogleGenAI, model = VEO_MODEL, prompt = 'a dog'): Promise<string> {
  const started = await ai.models.generateVideos({
    model,
    source: { prompt },
    config: { durationSeconds: 4 },
  });
  return started.name!;
}

/** One fetchPredictOperation poll of the named operation. */
export async function pollVideo(ai: GoogleGenAI, name: string): Promise<GenerateVideosOperation> {
  const handle = new GenerateVideosOperation();
  handle.name = name;
  return ai.operations.getVideosOperation({ operation: handle });
}
