// The catalog over MCP (issue 13 item 1): list_video_models shows the live Veo 3.1 models on Vertex with their
// resolutions (incl. 4K), prices by resolution and audio, stage, sources and as-of date, and the retired ids apart;
// a call with no model runs on the default (veo-3.1-fast-generate-001, Vertex wire protocol, against the simulator);
// a call naming a retired id is refused with its date and replacement and creates, reserves and submits nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { finished, startTestServer, type TestServer, textOf } from '../helpers/server.js';
import { RETIRED_MODELS } from '../../functions/src/video/catalog.js';

type Json = Record<string, unknown>;

describe('the model catalog over MCP', () => {
  let server: TestServer;
  let client: Client;
  const call = async (name: string, args: Json = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;

  before(async () => {
    server = await startTestServer({});
    client = await server.connect();
  });
  after(() => server.close());

  test('list_video_models: live models with 4K, prices by resolution and audio, stage, sources; retired apart', async () => {
    const result = await call('list_video_models');
    assert.equal(result.isError, undefined, textOf(result));
    const listed = result.structuredContent as {
      api: string;
      default_model: string;
      models: Json[];
      retired_models: Json[];
    };
    assert.equal(listed.api, 'vertex');
    assert.equal(listed.default_model, 'veo-3.1-fast-generate-001');
    assert.deepEqual(
      listed.models.map((m) => [m['id'], m['stage'], m['default'], m['resolutions']]),
      [
        ['veo-3.1-fast-generate-001', 'GA', true, ['720p', '1080p', '4k']],
        ['veo-3.1-generate-001', 'GA', false, ['720p', '1080p', '4k']],
        ['veo-3.1-lite-generate-001', 'preview', false, ['720p', '1080p']],
      ],
    );
    const fast = listed.models[0]!;
    assert.equal(fast['family'], 'veo');
    assert.deepEqual(fast['backends'], ['vertex']);
    assert.deepEqual(fast['price_per_second_usd'], {
      '720p': { audio: 0.15, silent: 0.1 },
      '1080p': { audio: 0.15, silent: 0.1 },
      '4k': { audio: 0.35, silent: 0.35 },
    });
    assert.equal(fast['as_of'], '2026-12-02');
    const sources = fast['sources'] as Array<{ url: string; read: string }>;
    assert.ok(sources.some((s) => s.url.startsWith('https://docs.cloud.google.com/')));
    assert.ok((fast['uncertain'] as string[]).every((u) => u.startsWith('⚠')));
    assert.equal((fast['availability'] as Json)['state'], 'available', 'the availability field is kept');
    assert.deepEqual(
      listed.retired_models.find((m) => m['id'] === 'veo-3.0-fast-generate-001'),
      {
        id: 'veo-3.0-fast-generate-001',
        retired_on: '2026-06-30',
        replacement: 'veo-3.1-fast-generate-001',
        source: 'https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-0-generate',
      },
    );
    assert.equal(listed.retired_models.length, RETIRED_MODELS.length);
    assert.match(textOf(result), /veo-3\.1-fast-generate-001 \(Veo 3\.1 Fast, GA\).*4k \$0\.35\/s/);
    assert.match(
      textOf(result),
      /Retired \(refused\): veo-3\.0-fast-generate-001 since 2026-06-30, use veo-3\.1-fast-generate-001/,
    );
  });

  test('a call with no model runs on veo-3.1-fast-generate-001 over the Vertex wire protocol and succeeds', async () => {
    const started = await call('generate_video', { prompt: 'A kite over dunes', duration_seconds: 4 });
    assert.equal(started.isError, undefined, textOf(started));
    const op = started.structuredContent as { operation_id: string; model: string };
    assert.equal(op.model, 'veo-3.1-fast-generate-001');
    await finished(server, op.operation_id);
    const view = (await call('get_video_operation', { operation_id: op.operation_id }))
      .structuredContent as Json;
    assert.equal(view['status'], 'SUCCEEDED');
    assert.ok(
      Object.keys(server.simulator.stats.submitTimes).some((name) =>
        name.endsWith('/publishers/google/models/veo-3.1-fast-generate-001'),
      ),
    );
  });

  test('4K goes through on the GA models', async () => {
    const started = await call('generate_video', {
      prompt: 'A kite over dunes',
      model: 'veo-3.1-generate-001',
      resolution: '4k',
      duration_seconds: 8,
      generate_audio: false,
    });
    assert.equal(started.isError, undefined, textOf(started));
    const op = started.structuredContent as { operation_id: string };
    await finished(server, op.operation_id);
  });

  test('a retired id is refused with its date and replacement; nothing is created, reserved or submitted', async () => {
    // Seconds started today and running operations (tool calls per minute count every call, refused or not).
    const usage = async () =>
      JSON.stringify(
        (((await call('get_usage')).structuredContent as Json)['limits'] as Json[]).filter(
          (l) => l['setting'] !== 'REQUESTS_PER_MINUTE_PER_PRINCIPAL',
        ),
      );
    const before = {
      ops: (await server.runtime.operations.list({ principal: 'local', limit: 100 })).records.length,
      submits: server.simulator.stats.submits,
      usage: await usage(),
    };
    for (const retired of RETIRED_MODELS) {
      const result = await call('generate_video', {
        prompt: 'A kite over dunes',
        model: retired.id,
        idempotency_key: `retired-${retired.id}`,
      });
      assert.equal(result.isError, true, retired.id);
      assert.equal(
        textOf(result),
        `INVALID_ARGUMENT: Invalid model: "${retired.id}". ${retired.id} was retired on ${retired.retiredOn} ` +
          `(Google no longer serves it); use ${retired.replacement} instead. Allowed: ` +
          '"veo-3.1-fast-generate-001", "veo-3.1-generate-001", "veo-3.1-lite-generate-001".',
      );
    }
    assert.equal(
      (await server.runtime.operations.list({ principal: 'local', limit: 100 })).records.length,
      before.ops,
      'no record',
    );
    assert.equal(server.simulator.stats.submits, before.submits, 'no submit');
    assert.equal(await usage(), before.usage, 'no seconds reserved, no running operation');
  });
});
