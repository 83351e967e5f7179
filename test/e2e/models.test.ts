// The catalog over MCP (issue 13 item 1): list_video_models shows the live models of both families on Vertex (Veo 3.1
// and Gemini Omni) with their modes, resolutions (incl. 4K and Omni's 360p), prices by resolution and audio, stage,
// sources, as-of date and what Google says live, and the retired ids apart;
// a call with no model runs on the default (veo-3.1-fast-generate-001, Vertex wire protocol, against the simulator);
// a call naming a retired id is refused with its date and replacement and creates, reserves and submits nothing — on
// the Gemini API too, where Omni lives and Veo does not.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { finished, startTestServer, type TestServer, textOf } from '../helpers/server.js';
import { RETIRED_MODELS } from '../../functions/src/video/catalog.js';

type Json = Record<string, unknown>;

interface Listed {
  backend: string;
  api: string;
  default_model: string;
  models: Json[];
  retired_models: Json[];
}

/** list_video_models' result, asserted to be no error. */
async function listModels(call: (name: string) => Promise<CallToolResult>) {
  const result = await call('list_video_models');
  assert.equal(result.isError, undefined, textOf(result));
  return { listed: result.structuredContent as Listed, text: textOf(result) };
}

/** list_video_models' entry for a retired id: its date, replacement and source, exactly. */
function assertTombstone(
  retired: Json[],
  id: string,
  on: string,
  replacement: string,
  [source]: string[],
): void {
  assert.deepEqual(
    retired.find((m) => m['id'] === id),
    { id, retired_on: on, replacement, source },
    id,
  );
}

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

  test('list_video_models: both families on Vertex with modes, 4K and 360p, prices, stage, sources, live state; retired apart', async () => {
    const { listed, text } = await listModels(call);
    assert.equal(listed.api, 'vertex');
    assert.equal(listed.default_model, 'veo-3.1-fast-generate-001');
    assert.deepEqual(
      listed.models.map((m) => [m['id'], m['family'], m['stage'], m['default'], m['resolutions']]),
      [
        ['veo-3.1-fast-generate-001', 'veo', 'GA', true, ['720p', '1080p', '4k']],
        ['veo-3.1-generate-001', 'veo', 'GA', false, ['720p', '1080p', '4k']],
        ['veo-3.1-lite-generate-001', 'veo', 'preview', false, ['720p', '1080p']],
        ['gemini-omni-1.2-flash', 'omni', 'GA', false, ['720p', '360p', '1080p', '4k']],
        ['gemini-omni-1.1-flash-preview', 'omni', 'preview', false, ['720p', '360p', '1080p', '4k']],
        ['gemini-omni-flash-preview', 'omni', 'preview', false, ['720p']],
      ],
    );
    // Modes per model: last frame, reference images, extension, edit.
    assert.deepEqual(
      listed.models.map((m) => [
        m['id'],
        m['last_frame'],
        m['max_reference_images'],
        (m['extension'] as Json | undefined)?.['step_seconds'] ?? null,
        m['edit'],
        m['audio'],
      ]),
      [
        ['veo-3.1-fast-generate-001', true, 3, [7], false, 'optional'],
        ['veo-3.1-generate-001', true, 3, [7], false, 'optional'],
        ['veo-3.1-lite-generate-001', true, 0, [7], false, 'optional'],
        ['gemini-omni-1.2-flash', true, 6, [3, 4, 5, 6, 7, 8, 9, 10], true, 'always'],
        ['gemini-omni-1.1-flash-preview', true, 3, [3, 4, 5, 6, 7, 8, 9, 10], true, 'always'],
        ['gemini-omni-flash-preview', false, 3, null, true, 'always'],
      ],
    );
    const fast = listed.models[0]!;
    assert.deepEqual(fast['backends'], ['vertex']);
    assert.deepEqual(fast['extension'], {
      step_seconds: [7],
      input_seconds: [1, 30],
      input_fps: 24,
      input: 'video',
    });
    assert.deepEqual(fast['price_per_second_usd'], {
      '720p': { audio: 0.15, silent: 0.1 },
      '1080p': { audio: 0.15, silent: 0.1 },
      '4k': { audio: 0.35, silent: 0.35 },
    });
    const omni = listed.models[3]!;
    assert.deepEqual(omni['backends'], ['gemini', 'vertex']);
    assert.deepEqual(omni['durations_seconds'], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    assert.equal(omni['max_videos'], 1);
    assert.equal(omni['seed'], false);
    assert.deepEqual(omni['person_generation'], []);
    assert.deepEqual((omni['extension'] as Json)['max_total_seconds'], 30);
    assert.deepEqual((omni['extension'] as Json)['input'], 'interaction');
    for (const m of listed.models) {
      assert.equal(m['as_of'], '2026-12-02', String(m['id']));
      assert.ok((m['sources'] as Array<{ url: string }>).length > 0, String(m['id']));
      assert.ok(
        (m['uncertain'] as string[]).every((u) => u.startsWith('⚠')),
        String(m['id']),
      );
      assert.ok(
        ['available', 'not-found', 'unknown'].includes((m['live'] as Json)['state'] as string),
        String(m['id']),
      );
      assert.equal((m['availability'] as Json)['state'], 'available', 'the availability field is kept');
    }
    assert.ok(
      (fast['sources'] as Array<{ url: string }>).some((s) =>
        s.url.startsWith('https://docs.cloud.google.com/'),
      ),
    );
    assertTombstone(
      listed.retired_models,
      'veo-3.0-fast-generate-001',
      '2026-06-30',
      'veo-3.1-fast-generate-001',
      ['https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-0-generate'],
    );
    // Retired on Vertex AI only: the Omni preview is retired on the Gemini API and live here.
    assert.deepEqual(
      listed.retired_models.map((m) => m['id']).sort(),
      RETIRED_MODELS.filter((m) => m.backends.includes('vertex'))
        .map((m) => m.id)
        .sort(),
    );
    assert.ok(!listed.retired_models.some((m) => m['id'] === 'gemini-omni-flash-preview'));
    assert.match(
      text,
      /veo-3\.1-fast-generate-001 \(Veo 3\.1 Fast, veo, GA; Google says [\w-]+\).*4k \$0\.35\/s/,
    );
    assert.match(
      text,
      /Retired \(refused\): veo-3\.0-fast-generate-001 since 2026-06-30, use veo-3\.1-fast-generate-001/,
    );
  });

  test('asked live, the simulator says it serves the Omni models on Vertex AI', async () => {
    const listed = (await call('list_video_models')).structuredContent as { models: Json[] };
    const live = (id: string) => (listed.models.find((m) => m['id'] === id)?.['live'] as Json)['state'];
    for (const id of [
      'gemini-omni-1.2-flash',
      'gemini-omni-1.1-flash-preview',
      'gemini-omni-flash-preview',
    ]) {
      assert.equal(live(id), 'available', id);
    }
  });

  // The simulator has no GET publishers/google/models/{id} (reported to the lead), so the Veo adapter's live check
  // reads its 404 as not-found and list_video_models says Google does not serve the Veo models it does serve.
  test('asked live, the simulator says it serves the Veo models', async () => {
    const listed = (await call('list_video_models')).structuredContent as { models: Json[] };
    for (const m of listed.models.filter((x) => x['family'] === 'veo')) {
      assert.equal(
        (m['live'] as Json)['state'],
        'available',
        `${String(m['id'])}: ${JSON.stringify(m['live'])}`,
      );
    }
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
    for (const retired of RETIRED_MODELS.filter((m) => m.backends.includes('vertex'))) {
      const where = retired.backends.length === 1 ? ' on the vertex API' : '';
      const result = await call('generate_video', {
        prompt: 'A kite over dunes',
        model: retired.id,
        idempotency_key: `retired-${retired.id}`,
      });
      assert.equal(result.isError, true, retired.id);
      assert.equal(
        textOf(result),
        `INVALID_ARGUMENT: Invalid model: "${retired.id}". ${retired.id} was retired${where} on ` +
          `${retired.retiredOn} (Google no longer serves it); use ${retired.replacement} instead. Allowed: ` +
          '"veo-3.1-fast-generate-001", "veo-3.1-generate-001", "veo-3.1-lite-generate-001", ' +
          '"gemini-omni-1.2-flash", "gemini-omni-1.1-flash-preview", "gemini-omni-flash-preview".',
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

describe('the model catalog over MCP on the Gemini API (SIMULATOR_API=gemini)', () => {
  let server: TestServer;
  let client: Client;
  const call = async (name: string, args: Json = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;

  before(async () => {
    server = await startTestServer({ env: { SIMULATOR_API: 'gemini' } });
    client = await server.connect();
  });
  after(() => server.close());

  test('list_video_models on the Gemini API: the Omni models it serves, its default and its tombstones', async () => {
    const { listed } = await listModels(call);
    assert.deepEqual(
      [listed.backend, listed.api, listed.default_model],
      ['simulator', 'gemini', 'gemini-omni-1.2-flash'],
    );
    assert.deepEqual(
      listed.models
        .map((m) => [m['id'], m['family'], m['default'], m['max_reference_images'], m['live']])
        .map(([id, family, isDefault, refs, live]) => [id, family, isDefault, refs, (live as Json)['state']]),
      [
        ['gemini-omni-1.2-flash', 'omni', true, 6, 'available'],
        ['gemini-omni-1.1-flash', 'omni', false, 3, 'available'],
      ],
    );
    assert.deepEqual(
      listed.retired_models.map((m) => m['id']).sort(),
      RETIRED_MODELS.filter((m) => m.backends.includes('gemini'))
        .map((m) => m.id)
        .sort(),
    );
    assertTombstone(
      listed.retired_models,
      'gemini-omni-flash-preview',
      '2026-09-30',
      'gemini-omni-1.2-flash',
      ['https://github.com/TanStack/ai/pull/1273'],
    );
  });

  test('ids retired there, Veo ids and Vertex-only ids are refused naming the Omni models; nothing is created or submitted', async () => {
    const before = {
      ops: (await server.runtime.operations.list({ principal: 'local', limit: 100 })).records.length,
      submits: server.simulator.stats.submits,
    };
    const allowed = '"gemini-omni-1.2-flash", "gemini-omni-1.1-flash"';
    const cases: Array<[string, string]> = [
      [
        'gemini-omni-flash-preview',
        'gemini-omni-flash-preview was retired on the gemini API on 2026-09-30 (Google no longer serves it); use ' +
          `gemini-omni-1.2-flash instead. Allowed: ${allowed}.`,
      ],
      [
        'veo-3.1-fast-generate-001',
        `veo-3.1-fast-generate-001 is not offered on the gemini backend. Allowed: ${allowed}.`,
      ],
      [
        'gemini-omni-1.1-flash-preview',
        `gemini-omni-1.1-flash-preview is not offered on the gemini backend. Allowed: ${allowed}.`,
      ],
    ];
    for (const [model, reason] of cases) {
      const result = await call('generate_video', {
        prompt: 'A kite over dunes',
        model,
        idempotency_key: `gemini-${model}`,
      });
      assert.equal(result.isError, true, model);
      assert.equal(textOf(result), `INVALID_ARGUMENT: Invalid model: "${model}". ${reason}`, model);
    }
    // A Veo id retired on both APIs: the date and the Omni models (its named replacement is Vertex-only, reported).
    const old = await call('generate_video', {
      prompt: 'A kite over dunes',
      model: 'veo-3.0-fast-generate-001',
    });
    assert.equal(old.isError, true);
    assert.match(
      textOf(old),
      new RegExp(
        '^INVALID_ARGUMENT: Invalid model: "veo-3\\.0-fast-generate-001"\\. veo-3\\.0-fast-generate-001 was retired ' +
          `on 2026-06-30 .* Allowed: ${allowed.replace(/\./g, '\\.')}\\.$`,
      ),
    );
    // Omni refuses Veo's arguments by name before anything exists.
    const seeded = await call('generate_video', { prompt: 'A kite over dunes', seed: 3 });
    assert.equal(
      textOf(seeded),
      'INVALID_ARGUMENT: Invalid seed: 3. The omni family (gemini-omni-1.2-flash) does not take seed: Omni takes ' +
        'no seed. Omit it.',
    );
    assert.equal(
      (await server.runtime.operations.list({ principal: 'local', limit: 100 })).records.length,
      before.ops,
      'no record',
    );
    assert.equal(server.simulator.stats.submits, before.submits, 'no submit');
  });
});
