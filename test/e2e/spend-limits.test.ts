// Spend limits over MCP, with a real SDK client on the served `mcp` function: a refusal is an isError result naming the
// limit, the use, the request's cost and the reset time, and nothing is created, submitted or reserved; every tool
// call counts against the per-minute limit; get_usage shows what is left; results show each operation's cost.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer, textOf } from '../helpers/server.js';

interface LimitRow {
  setting: string;
  limit: number;
  used: number;
  remaining: number;
  resets_at?: string;
}

describe('spend limits over MCP', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A server at 2026-12-01T10:00:30Z on a manual clock, with `env` limits; its client and helpers. */
  async function serve(env: Record<string, string>) {
    const clock = new ManualClock('2026-12-01T10:00:30.000Z');
    server = await startTestServer({ env, clock });
    const client = await server.connect();
    const call = (name: string, args: Record<string, unknown> = {}) =>
      client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
    const records = async () =>
      (await server!.runtime.operations.list({ principal: 'local', limit: 100 })).records.length;
    const usage = async () => (await server!.runtime.operations.usage('local')).usage;
    return { clock, client, call, records, usage, simulator: server.simulator };
  }

  test('generate_video over the daily limit is refused with the limit, use, cost and reset; nothing is created', async () => {
    const s = await serve({ DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '8' });
    const first = await s.call('generate_video', { prompt: 'A lighthouse', duration_seconds: 8 });
    assert.equal(first.isError, undefined, textOf(first));
    const [records, submits, usage] = [await s.records(), s.simulator.stats.submits, await s.usage()];
    const refused = await s.call('generate_video', {
      prompt: 'A second lighthouse',
      duration_seconds: 4,
      idempotency_key: 'second',
    });
    assert.equal(refused.isError, true);
    assert.equal(
      textOf(refused),
      'LIMIT_EXCEEDED: DAILY_VIDEO_SECONDS_PER_PRINCIPAL reached: you have started 8 of 8 seconds of video ' +
        'today (UTC); this request needs 4 s (4 s × 1 video, about $0.60 at list price). The limit resets at ' +
        '2026-12-02T00:00:00.000Z (midnight UTC).',
    );
    assert.equal(await s.records(), records, 'no record');
    assert.equal(s.simulator.stats.submits, submits, 'no Veo submit');
    assert.deepEqual(
      await s.usage(),
      { ...usage, callsThisMinute: usage.callsThisMinute + 1 },
      'no reservation',
    );
  });

  test('every tool call counts against the per-minute limit, reads included; the refusal runs no tool', async () => {
    const s = await serve({ REQUESTS_PER_MINUTE_PER_PRINCIPAL: '3' });
    assert.equal((await s.call('list_video_models')).isError, undefined);
    assert.equal((await s.call('list_video_operations')).isError, undefined);
    const started = await s.call('generate_video', { prompt: 'A kite', duration_seconds: 4 });
    assert.equal(started.isError, undefined, textOf(started));
    const submits = s.simulator.stats.submits;
    for (const [name, args] of [
      ['generate_video', { prompt: 'A fourth call', duration_seconds: 4 }],
      [
        'get_video_operation',
        { operation_id: (started.structuredContent as { operation_id: string }).operation_id },
      ],
      ['get_usage', {}],
    ] as const) {
      const refused = await s.call(name, args);
      assert.equal(refused.isError, true, name);
      assert.equal(
        textOf(refused),
        'LIMIT_EXCEEDED: REQUESTS_PER_MINUTE_PER_PRINCIPAL reached: you have made 3 of 3 tool calls this ' +
          'minute (UTC); this call would be one more. The limit resets at 2026-12-01T10:01:00.000Z.',
      );
    }
    assert.equal(await s.records(), 1, 'the refused generate_video created nothing');
    assert.equal(s.simulator.stats.submits, submits, 'and submitted nothing');
    assert.equal((await s.usage()).callsThisMinute, 3, 'refused calls are not counted');
    await s.clock.advance(30_000); // 10:01:00: a new minute
    assert.equal((await s.call('get_usage')).isError, undefined);
  });

  test('a JSON-RPC batch of 10 generate_video calls counts 10 calls: 3 start, 7 are refused', async () => {
    const s = await serve({ REQUESTS_PER_MINUTE_PER_PRINCIPAL: '3' });
    const submits = s.simulator.stats.submits;
    const batch = Array.from({ length: 10 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i + 1,
      method: 'tools/call',
      params: { name: 'generate_video', arguments: { prompt: `Batch ${i}`, duration_seconds: 4 } },
    }));
    // Batches are a 2025-03-26 feature: sent as that era's client would, without a session (stateless).
    const answer = await fetch(server!.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-03-26',
      },
      body: JSON.stringify(batch),
    });
    const text = await answer.text();
    const results = (
      text.startsWith('[')
        ? JSON.parse(text)
        : text
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .flatMap((l) => JSON.parse(l.slice(6)))
    ) as Array<{ result?: CallToolResult }>;
    const refused = results.filter((r) => r.result?.isError === true);
    assert.equal(results.length, 10, text.slice(0, 300));
    assert.equal(refused.length, 7);
    for (const r of refused)
      assert.match(
        textOf(r.result!),
        /^LIMIT_EXCEEDED: REQUESTS_PER_MINUTE_PER_PRINCIPAL reached: you have made 3 of 3/,
      );
    assert.equal(await s.records(), 3);
    assert.equal(s.simulator.stats.submits, submits + 3);
    assert.equal((await s.usage()).callsThisMinute, 3);
  });

  test('a call refused for its arguments runs nothing and is not counted', async () => {
    const s = await serve({ REQUESTS_PER_MINUTE_PER_PRINCIPAL: '1' });
    const bad = await s.call('generate_video', { prompt: 'x', duration_seconds: 'long' });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /duration_seconds/);
    assert.equal((await s.usage()).callsThisMinute, 0);
    assert.equal(
      (await s.call('list_video_models')).isError,
      undefined,
      'the one allowed call is still there',
    );
  });

  test('get_usage shows each limit with what is used, what is left and when it resets', async () => {
    const s = await serve({
      DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '100',
      PRINCIPAL_DAILY_VIDEO_SECONDS: 'local=64',
      DAILY_VIDEO_SECONDS_TOTAL: '1000',
      REQUESTS_PER_MINUTE_PER_PRINCIPAL: '50',
      MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: '5',
    });
    const started = await s.call('generate_video', {
      prompt: 'Two kites',
      duration_seconds: 6,
      number_of_videos: 2,
    });
    assert.equal(started.isError, undefined, textOf(started));
    const result = await s.call('get_usage');
    const view = result.structuredContent as { principal: string; limits: LimitRow[]; as_of: string };
    assert.equal(view.principal, 'local');
    assert.equal(view.as_of, '2026-12-01T10:00:30.000Z');
    assert.deepEqual(
      view.limits.map(({ setting, limit, used, remaining, resets_at }) => ({
        setting,
        limit,
        used,
        remaining,
        resets_at,
      })),
      [
        {
          setting: 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL',
          limit: 64,
          used: 12,
          remaining: 52,
          resets_at: '2026-12-02T00:00:00.000Z',
        },
        {
          setting: 'DAILY_VIDEO_SECONDS_TOTAL',
          limit: 1000,
          used: 12,
          remaining: 988,
          resets_at: '2026-12-02T00:00:00.000Z',
        },
        {
          setting: 'MAX_RUNNING_OPERATIONS_PER_PRINCIPAL',
          limit: 5,
          used: 1,
          remaining: 4,
          resets_at: undefined,
        },
        {
          setting: 'REQUESTS_PER_MINUTE_PER_PRINCIPAL',
          limit: 50,
          used: 2,
          remaining: 48,
          resets_at: '2026-12-01T10:01:00.000Z',
        },
      ],
    );
    assert.match(
      textOf(result),
      /^DAILY_VIDEO_SECONDS_PER_PRINCIPAL: 12 of 64 used, 52 left \(resets 2026-12-02T00:00:00\.000Z\)$/m,
    );
  });

  test('results and list_video_operations show the estimated cost (zero for simulator runs)', async () => {
    const s = await serve({});
    const started = await s.call('generate_video', { prompt: 'A fox', duration_seconds: 8 });
    assert.equal((started.structuredContent as { estimated_cost_usd: number }).estimated_cost_usd, 0);
    assert.match(textOf(started), /^estimated cost: \$0\.00 at list price$/m);
    const record = (await server!.runtime.operations.list({ principal: 'local', limit: 1 })).records[0]!;
    assert.equal(
      record.estimatedCostUsd,
      1.2,
      'the record keeps the list price: 8 s × $0.15 (Veo 3 Fast, audio)',
    );
    const listed = await s.call('list_video_operations');
    const [summary] = (listed.structuredContent as { operations: Array<{ estimated_cost_usd: number }> })
      .operations;
    assert.equal(summary!.estimated_cost_usd, 0);
  });
});
