// Google's 404 for a model it no longer serves, through the real @google/genai SDK against the simulator's Vertex wire
// protocol: the simulator answers retired ids as Vertex does (404 NOT_FOUND "Publisher Model … was not found"), and the
// adapter turns that into an error naming the model, its retirement date and the replacement. The adapter is called
// directly, bypassing the catalog's own pre-check (which refuses retired ids before any of this is reached).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '@google/genai';
import { loadConfig } from '../../../functions/src/config/index.js';
import { SubmitFailure } from '../../../functions/src/operations/ports.js';
import { publisherModelNotFound, VeoSimulator } from '../../../functions/src/simulator/server.js';
import { VeoAdapter } from '../../../functions/src/video/veo.js';
import { RETIRED_MODELS } from '../../../functions/src/video/catalog.js';
import { submitVideo, vertexClient } from '../../helpers/veo-sdk.js';

const request = (model: string) => ({
  model,
  prompt: 'a fox',
  aspectRatio: '16:9',
  durationSeconds: 4,
  resolution: '720p',
  numberOfVideos: 1,
  generateAudio: true,
});

describe('a retired model through the real SDK', () => {
  let simulator: VeoSimulator;
  let baseUrl: string;
  let adapter: VeoAdapter;

  before(async () => {
    simulator = new VeoSimulator({ delaySeconds: 0 });
    baseUrl = await simulator.listen(0);
    const { veo } = loadConfig({ VEO_BACKEND: 'simulator', VEO_BASE_URL: baseUrl });
    adapter = new VeoAdapter({ veo, baseUrl });
  });
  after(() => simulator.close());

  test("the simulator answers a retired id with Vertex's 404 NOT_FOUND and Google's message, starting nothing", async () => {
    for (const { id } of RETIRED_MODELS) {
      await assert.rejects(submitVideo(vertexClient(baseUrl), id), (err: unknown) => {
        assert.ok(err instanceof ApiError, String(err));
        assert.equal(err.status, 404);
        const body = JSON.parse(err.message) as { error: { code: number; status: string; message: string } };
        assert.deepEqual(body.error, {
          code: 404,
          status: 'NOT_FOUND',
          message: publisherModelNotFound(
            `projects/demo/locations/us-central1/publishers/google/models/${id}`,
          ),
        });
        assert.match(
          body.error.message,
          /^Publisher Model `projects\/demo\/.*` was not found or your project/,
        );
        return true;
      });
    }
    assert.equal(simulator.stats.submits, 0);
    assert.deepEqual(simulator.stats.submitTimes, {});
  });

  test('the adapter turns the 404 into NOT_FOUND naming the model, its retirement and the replacement', async () => {
    const before = simulator.stats.submits;
    await assert.rejects(
      adapter.submit(request('veo-3.0-fast-generate-001'), {}, { operationId: 'op', principal: 'p' }),
      (err) => {
        assert.ok(err instanceof SubmitFailure, String(err));
        assert.equal(err.code, 'NOT_FOUND');
        assert.equal(err.kind, 'refused', 'Veo refused it: nothing started, nothing to reconcile');
        assert.equal(err.outage, false, 'a retired model is no outage: the breaker must not count it');
        assert.equal(err.retryable, false);
        assert.match(
          err.message,
          /^Veo has no model veo-3\.0-fast-generate-001 for this project \(HTTP 404\)\. veo-3\.0-fast-generate-001 was retired on 2026-06-30 \(Google no longer serves it\); use veo-3\.1-fast-generate-001 instead\. Google said: .*Publisher Model `projects\/simulator-project\/locations\/us-central1\/publishers\/google\/models\/veo-3\.0-fast-generate-001` was not found/,
        );
        return true;
      },
    );
    assert.equal(simulator.stats.submits, before, 'nothing was started');
  });

  test('the default model on vertex is served', async () => {
    const { veo } = loadConfig({ VEO_BACKEND: 'simulator', VEO_BASE_URL: baseUrl });
    const started = await adapter.submit(
      request(veo.defaultModel),
      {},
      { operationId: 'op', principal: 'p' },
    );
    assert.match(
      started.operationName,
      /^projects\/simulator-project\/locations\/us-central1\/publishers\/google\/models\/veo-3\.1-fast-generate-001\/operations\//,
    );
    const status = await adapter.poll(started.operationName);
    assert.equal(status.done, true);
  });
});
