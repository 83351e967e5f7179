// Structured logs carry Cloud Logging's trace field while a traced HTTP request or CloudEvent is being served, read
// from the captured log output.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { loadConfig } from '../../functions/src/config/index.js';
import { log, runWithTrace, traceOfEvent, traceOfRequest } from '../../functions/src/log.js';
import { systemClock } from '../../functions/src/operations/clock.js';
import { createPollerHandler, type PubSubMessageData } from '../../functions/src/poller/handler.js';
import { createRequestsHandler } from '../../functions/src/requests/handler.js';
import type { Runtime } from '../../functions/src/runtime.js';
import { captureLogs } from '../helpers/logs.js';
import { rawPost, startTestServer, type TestServer } from '../helpers/server.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const TRACE_FIELD = 'logging.googleapis.com/trace';

describe('trace context', () => {
  test('traceparent gives trace, span and sampled flag', () => {
    assert.deepEqual(traceOfRequest({ traceparent: TRACEPARENT }), {
      traceId: TRACE_ID,
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    assert.equal(traceOfRequest({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00` })?.sampled, false);
  });

  test("X-Cloud-Trace-Context's decimal span id becomes 16 hex digits", () => {
    assert.deepEqual(traceOfRequest({ 'x-cloud-trace-context': `${TRACE_ID.toUpperCase()}/1;o=1` }), {
      traceId: TRACE_ID,
      spanId: '0000000000000001',
      sampled: true,
    });
    assert.deepEqual(traceOfRequest({ 'x-cloud-trace-context': TRACE_ID }), { traceId: TRACE_ID });
  });

  test('traceparent wins over X-Cloud-Trace-Context', () => {
    const other = 'a'.repeat(32);
    assert.equal(
      traceOfRequest({ traceparent: TRACEPARENT, 'x-cloud-trace-context': `${other}/5;o=1` })?.traceId,
      TRACE_ID,
    );
  });

  test('malformed, all-zero or oversized trace headers are ignored', () => {
    for (const headers of [
      { traceparent: 'garbage' },
      { traceparent: `ff-${TRACE_ID}-00f067aa0ba902b7-01` },
      { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
      { traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01` },
      { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01-extra` },
      { 'x-cloud-trace-context': 'not-hex/1' },
      { 'x-cloud-trace-context': `${'0'.repeat(32)}/1` },
      { 'x-cloud-trace-context': `${TRACE_ID}"}/1` },
    ]) {
      assert.equal(traceOfRequest(headers), undefined, JSON.stringify(headers));
    }
    // A span id beyond 64 bits is dropped, the trace kept.
    assert.deepEqual(traceOfRequest({ 'x-cloud-trace-context': `${TRACE_ID}/99999999999999999999` }), {
      traceId: TRACE_ID,
    });
  });

  test("a CloudEvent's traceparent extension is its trace", () => {
    assert.equal(traceOfEvent({ traceparent: TRACEPARENT })?.traceId, TRACE_ID);
    assert.equal(traceOfEvent({ traceparent: 42 }), undefined);
    assert.equal(traceOfEvent({}), undefined);
  });
});

describe('log lines inside runWithTrace', () => {
  const trace = { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', sampled: true };

  test('carry the trace fields across awaits and timers, and only inside', async () => {
    const logs = captureLogs(() =>
      runWithTrace(trace, 'demo-project', async () => {
        log.info('before await');
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => setTimeout(() => resolve(log.warn('in a timer')), 1));
      }),
    );
    await logs.result;
    const outside = captureLogs(() => log.info('outside'));
    assert.deepEqual(
      logs.lines.map((line) => [
        line['message'],
        line[TRACE_FIELD],
        line['logging.googleapis.com/spanId'],
        line['logging.googleapis.com/trace_sampled'],
      ]),
      [
        ['before await', `projects/demo-project/traces/${TRACE_ID}`, '00f067aa0ba902b7', true],
        ['in a timer', `projects/demo-project/traces/${TRACE_ID}`, '00f067aa0ba902b7', true],
      ],
    );
    assert.equal(outside.lines[0]?.[TRACE_FIELD], undefined);
  });

  test('without a project to name it in, no trace field is written', () => {
    const logs = captureLogs(() => runWithTrace(trace, undefined, () => log.info('no project')));
    assert.equal(logs.lines[0]?.[TRACE_FIELD], undefined);
  });
});

describe('handlers run their work inside the trace', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { GOOGLE_CLOUD_PROJECT: 'demo-trace', LOG_LEVEL: 'debug' } });
  });
  after(() => server.close());

  test('the MCP HTTP handler: lines logged for a request carry its trace', async () => {
    for (const headers of [
      { traceparent: TRACEPARENT },
      { 'x-cloud-trace-context': `${TRACE_ID}/1;o=1` },
    ] as Record<string, string>[]) {
      // A JSON-RPC message without a method: the SDK refuses it and the handler logs the refusal (debug).
      const logs = captureLogs(() => rawPost(server.mcpUrl, '{"jsonrpc":"2.0","id":1}', headers), 'debug');
      assert.equal((await logs.result).status, 400);
      const refused = logs.lines.find((line) => line['message'] === 'MCP request rejected');
      assert.ok(refused, `a rejection was logged: ${JSON.stringify(logs.lines)}`);
      assert.equal(refused[TRACE_FIELD], `projects/demo-trace/traces/${TRACE_ID}`);
    }
    const untraced = captureLogs(() => rawPost(server.mcpUrl, '{"jsonrpc":"2.0","id":1}'), 'debug');
    await untraced.result;
    assert.ok(untraced.lines.length > 0);
    assert.ok(untraced.lines.every((line) => line[TRACE_FIELD] === undefined));
  });

  const event = (data: string, traceparent?: string) =>
    ({
      specversion: '1.0',
      id: 'evt-1',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: '//pubsub.googleapis.com/projects/demo-trace/topics/veo-requests',
      data: { message: { data: Buffer.from(data).toString('base64'), messageId: 'm-1' } },
      ...(traceparent ? { traceparent } : {}),
    }) as CloudEvent<PubSubMessageData>;

  test("the poller and requests functions: lines carry the event's traceparent", async () => {
    const runtime = {
      config: loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-trace' }),
      clock: systemClock,
      completions: { rejected: async () => {} },
    } as unknown as Runtime;
    const poll = createPollerHandler(async () => runtime);
    const request = createRequestsHandler(async () => runtime);
    const polled = captureLogs(() => poll(event('{"unexpected":true}', TRACEPARENT)));
    assert.equal(await polled.result, 'ignored');
    const requested = captureLogs(() => request(event('not json', TRACEPARENT)));
    assert.equal(await requested.result, 'rejected');
    for (const lines of [polled.lines, requested.lines]) {
      assert.equal(lines.length, 1);
      assert.equal(lines[0]![TRACE_FIELD], `projects/demo-trace/traces/${TRACE_ID}`);
    }
    const untraced = captureLogs(() => poll(event('{"unexpected":true}')));
    await untraced.result;
    assert.equal(untraced.lines[0]?.[TRACE_FIELD], undefined);
  });
});

test("a field cannot replace the line's severity, message or time; a `message` field is kept as `detail`", () => {
  const { lines } = captureLogs(() =>
    log.warn('Veo did not start the generation', {
      message: 'Veo is unavailable (HTTP 503)',
      severity: 'DEBUG',
      time: 'yesterday',
      code: 'UPSTREAM',
    }),
  );
  const line = lines[0]!;
  assert.equal(line['message'], 'Veo did not start the generation');
  assert.equal(line['severity'], 'WARNING');
  assert.notEqual(line['time'], 'yesterday');
  assert.equal(line['detail'], 'Veo is unavailable (HTTP 503)');
  assert.equal(line['code'], 'UPSTREAM');
});
