// The real @google/genai client pointed at the simulator's Interactions API (Gemini Omni), on either backend, and a
// simulator whose clock and storage the test holds.
import { GoogleGenAI } from '@google/genai';
import { VeoSimulator } from '../../functions/src/simulator/server.js';
import { vertexClient } from './veo-sdk.js';

export const OMNI_MODEL = 'gemini-omni-1.2-flash';
export type OmniApi = 'gemini' | 'vertex';
/** Each call once: the Interactions client retries 429/5xx four times by default. */
export const ONCE = { maxRetries: 0 } as const;
/** A 1×1 PNG: the simulator checks only that image data is base64 with an image/* type. */
export const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** A Gemini API client (API key 'test-key'), or a Vertex client for project demo (Omni's location: global). */
export function omniClient(api: OmniApi, baseUrl: string, location = 'global'): GoogleGenAI {
  if (api === 'gemini') return new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl } });
  return vertexClient(baseUrl, { location });
}

/** A simulator (30 s per video) on a clock that moves only by `advance`, writing gs:// objects into `written`. */
export class OmniBench {
  now = Date.parse('2026-12-02T06:00:00Z');
  readonly written = new Map<string, Buffer>();
  readonly simulator = new VeoSimulator({
    delaySeconds: 30,
    now: () => this.now,
    writeObject: async (uri, bytes) => void this.written.set(uri, bytes),
  });
  baseUrl = '';

  async start(): Promise<this> {
    this.baseUrl = await this.simulator.listen(0);
    return this;
  }

  advance(seconds: number): void {
    this.now += seconds * 1000;
  }
}
