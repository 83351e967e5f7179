// The simulator speaks Veo's Vertex AI wire protocol: the real @google/genai SDK runs against it unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, GenerateVideosOperation, GoogleGenAI } from '@google/genai';
import { VeoSimulator } from '../../../functions/src/simulator/server.js';
import { readMp4 } from '../../helpers/mp4.js';
import { vertexClient } from '../../helpers/veo-sdk.js';

const VERTEX_MODEL =
  '/v1beta1/projects/demo/locations/us-central1/publishers/google/models/veo-3.1-generate-001';

describe('Veo simulator wire protocol', () => {
  let simulator: VeoSimulator;
  let baseUrl: string;

  before(async () => {
    simulator = new VeoSimulator({ delaySeconds: 0 });
    baseUrl = await simulator.listen(0);
  });
  after(() => simulator.close());

  test('Vertex AI: predictLongRunning and fetchPredictOperation with inline bytes', async () => {
    const ai = new GoogleGenAI({
      vertexai: true,
      project: 'demo',
      location: 'us-central1',
      httpOptions: { baseUrl },
      googleAuthOptions: {
        authClient: { getRequestHeaders: async () => new Headers({ Authorization: 'Bearer t' }) } as never,
      },
    });
    const started = await ai.models.generateVideos({
      model: 'veo-3.1-generate-001',
      source: { prompt: 'a dog' },
      config: { durationSeconds: 6, numberOfVideos: 2 },
    });
    assert.match(
      started.name!,
      /^projects\/demo\/locations\/us-central1\/publishers\/google\/models\/veo-3\.1-generate-001\/operations\/[0-9a-f-]{36}$/,
    );
    const handle = new GenerateVideosOperation();
    handle.name = started.name;
    const done = await ai.operations.getVideosOperation({ operation: handle });
    assert.equal(done.response!.generatedVideos!.length, 2);
    const bytes = Buffer.from(done.response!.generatedVideos![0]!.video!.videoBytes!, 'base64');
    assert.equal(readMp4(bytes).durationSeconds, 6);
  });

  test('requests without credentials are refused like Google does', async () => {
    const response = await fetch(`${baseUrl}${VERTEX_MODEL}:predictLongRunning`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
  });

  test("an impossible request is a 400 in Google's error shape and counts no submit", async () => {
    const before = simulator.stats.submits;
    const response = await fetch(`${baseUrl}${VERTEX_MODEL}:predictLongRunning`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: JSON.stringify({ instances: [{ prompt: 'x' }], parameters: { aspectRatio: '1:1' } }),
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      error: {
        code: 400,
        message: 'Unsupported aspect ratio "1:1". Supported aspect ratios are 16:9, 9:16.',
        status: 'INVALID_ARGUMENT',
      },
    });
    assert.equal(simulator.stats.submits, before);
  });

  test('GET publishers/google/models/{model} (models.get) finds the Veo models Vertex serves, 404 for others', async () => {
    const ai = vertexClient(baseUrl);
    const model = await ai.models.get({ model: 'veo-3.1-lite-generate-001' });
    assert.deepEqual(
      [model.name, model.version],
      ['publishers/google/models/veo-3.1-lite-generate-001', '001'],
    );
    for (const gone of ['veo-3.0-fast-generate-001', 'veo-4.0-generate-001']) {
      await assert.rejects(ai.models.get({ model: gone }), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.status, 404);
        assert.deepEqual(JSON.parse(err.message), {
          error: {
            code: 404,
            message: `Publisher Model \`publishers/google/models/${gone}\` is not found.`,
            status: 'NOT_FOUND',
          },
        });
        return true;
      });
    }
    const anonymous = await fetch(`${baseUrl}/v1beta1/publishers/google/models/veo-3.1-generate-001`);
    assert.equal(anonymous.status, 401);
  });
});
