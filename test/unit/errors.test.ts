// The error-policy table (functions/src/errors.ts) and each place that follows it: the MCP HTTP handler's answers,
// tool results, and the poller's and the requests function's ack-or-retry. Odd throws included: strings, null,
// plain Errors, AppErrors with codes the table does not know.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { http, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createAuthenticator, type Authenticator } from '../../functions/src/auth/principal.js';
import { loadConfig } from '../../functions/src/config/index.js';
import {
  AppError,
  ERROR_POLICY,
  errorPolicy,
  pubsubDisposition,
  type ErrorCode,
} from '../../functions/src/errors.js';
import { createMcpHttpHandler } from '../../functions/src/mcp/http.js';
import { errorResult } from '../../functions/src/mcp/tool-errors.js';
import { systemClock } from '../../functions/src/operations/clock.js';
import type { Rejection } from '../../functions/src/operations/ports.js';
import { createPollerHandler, type PubSubMessageData } from '../../functions/src/poller/handler.js';
import { SubmitFailedError } from '../../functions/src/operations/index.js';
import { createRequestsHandler } from '../../functions/src/requests/handler.js';
import type { Runtime } from '../../functions/src/runtime.js';
import { captureLogs } from '../helpers/logs.js';

const ALL_CODES: ErrorCode[] = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'FAILED_PRECONDITION',
  'ALREADY_EXISTS',
  'RESOURCE_EXHAUSTED',
  'LIMIT_EXCEEDED',
  'DEADLINE_EXCEEDED',
  'UPSTREAM',
  'INTERNAL',
];

/** An AppError whose code is not one of ours, as a cast or a record read back from storage could produce. */
const unknownCode = (retryable = false) => new AppError('BOGUS' as ErrorCode, 'bogus detail', retryable);

/** Throws that are not AppErrors. */
const ODD_THROWS: unknown[] = [
  new Error('socket hang up'),
  new TypeError('x is undefined'),
  'a string',
  null,
];

describe('error-policy table', () => {
  test('every code has a policy; client mistakes are 4xx, server and upstream failures 5xx or 429', () => {
    assert.deepEqual(Object.keys(ERROR_POLICY).sort(), [...ALL_CODES].sort());
    const status = (code: ErrorCode) => ERROR_POLICY[code].httpStatus;
    assert.equal(status('INVALID_ARGUMENT'), 400);
    assert.equal(status('UNAUTHENTICATED'), 401);
    assert.equal(status('PERMISSION_DENIED'), 403);
    assert.equal(status('NOT_FOUND'), 404);
    assert.equal(status('ALREADY_EXISTS'), 409);
    assert.equal(status('RESOURCE_EXHAUSTED'), 429);
    assert.equal(status('LIMIT_EXCEEDED'), 429);
    assert.equal(ERROR_POLICY.LIMIT_EXCEEDED.jsonRpcCode, -32600);
    assert.equal(status('INTERNAL'), 500);
    assert.equal(status('UPSTREAM'), 502);
    assert.equal(status('DEADLINE_EXCEEDED'), 504);
    assert.equal(ERROR_POLICY.INVALID_ARGUMENT.jsonRpcCode, -32602);
    assert.equal(ERROR_POLICY.INTERNAL.jsonRpcCode, -32603);
    for (const code of ALL_CODES) {
      assert.equal(ERROR_POLICY[code].showMessage, code !== 'INTERNAL', code);
      const clientMistake = ERROR_POLICY[code].httpStatus < 500 && code !== 'RESOURCE_EXHAUSTED';
      assert.equal(ERROR_POLICY[code].whenPermanent, clientMistake ? 'reject' : 'record', code);
    }
  });

  test('anything that is not an AppError of a known code is treated as INTERNAL', () => {
    for (const err of [
      ...ODD_THROWS,
      unknownCode(),
      undefined,
      { code: 'NOT_FOUND', message: 'lookalike' },
    ]) {
      const policy = errorPolicy(err);
      assert.equal(policy.code, 'INTERNAL', String(err));
      assert.equal(policy.showMessage, false);
    }
    assert.equal(errorPolicy(new AppError('NOT_FOUND', 'x')).code, 'NOT_FOUND');
  });

  test('Pub/Sub: retryable errors and unexpected throws are redelivered; permanent ones follow their code', () => {
    for (const code of ALL_CODES) {
      assert.equal(pubsubDisposition(new AppError(code, 'x', true)), 'retry', `${code} retryable`);
      assert.equal(pubsubDisposition(new AppError(code, 'x', false)), ERROR_POLICY[code].whenPermanent, code);
    }
    for (const err of ODD_THROWS) assert.equal(pubsubDisposition(err), 'retry', String(err));
    assert.equal(pubsubDisposition(unknownCode(false)), 'record');
    assert.equal(pubsubDisposition(unknownCode(true)), 'retry');
  });
});

describe('tool results', () => {
  const text = (result: ReturnType<typeof errorResult>) => (result.content[0] as { text: string }).text;

  test("an AppError's code and message reach the caller, with a hint when retrying may help", () => {
    const permanent = errorResult(
      new AppError('INVALID_ARGUMENT', 'Invalid model: "veo-99".'),
      'generate_video',
    );
    assert.equal(permanent.isError, true);
    assert.equal(text(permanent), 'INVALID_ARGUMENT: Invalid model: "veo-99".');
    const temporary = errorResult(new AppError('RESOURCE_EXHAUSTED', 'Veo is rate limiting.', true), 'x');
    assert.equal(
      text(temporary),
      'RESOURCE_EXHAUSTED: Veo is rate limiting. (temporary: retrying later may succeed)',
    );
  });

  test('INTERNAL errors, unknown codes and odd throws are logged and answered with a reference only', () => {
    for (const err of [new AppError('INTERNAL', 'bucket detail'), unknownCode(), ...ODD_THROWS]) {
      const logs = captureLogs(() => errorResult(err, 'get_video_operation'));
      const answer = text(logs.result);
      assert.match(
        answer,
        /^INTERNAL: get_video_operation failed unexpectedly \(reference [0-9a-f-]{36}\)\.$/,
      );
      assert.doesNotMatch(answer, /detail|hang up|undefined|a string/);
      const [line] = logs.lines;
      assert.equal(line?.['severity'], 'ERROR');
      assert.equal(
        line?.['reference'],
        /reference ([0-9a-f-]{36})/.exec(answer)?.[1],
        'the log carries the reference',
      );
    }
  });
});

describe('MCP HTTP answers', () => {
  const base = loadConfig({ AUTH_MODE: 'api_key', API_KEY_HASHES: 'a'.repeat(64) });
  let url: string;
  let close: () => void;
  const baseAuth = createAuthenticator(base, { clock: systemClock });
  /** The authenticator the next request sees; tests swap in hostile ones. */
  let auth: Authenticator = baseAuth;

  before(async () => {
    const runtime = {
      config: base,
      get auth() {
        return auth;
      },
      backendLabel: 'simulator',
    } as unknown as Runtime;
    http(
      'errors-test',
      createMcpHttpHandler(async () => runtime),
    );
    const server = getTestServer('errors-test');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => {
      server.closeAllConnections();
      server.close();
    };
  });
  after(() => close());

  const post = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    const body = (await response.json()) as { error: { code: number; message: string } };
    return { status: response.status, headers: response.headers, error: body.error };
  };

  test('a missing or wrong API key is UNAUTHENTICATED: 401, a Bearer challenge, the reason', async () => {
    for (const headers of [{}, { 'x-api-key': 'not-listed' }] as Record<string, string>[]) {
      const answer = await post('/mcp', headers);
      assert.equal(answer.status, 401);
      assert.match(
        answer.headers.get('www-authenticate') ?? '',
        'x-api-key' in headers
          ? /^Bearer realm="veo-mcp", error="invalid_token", error_description="Malformed API key/
          : /^Bearer realm="veo-mcp"$/,
      );
      assert.equal(answer.error.code, -32600);
      assert.match(answer.error.message, /API key/);
    }
  });

  test('front checks answer with their code: unknown path 404, foreign Origin 403', async () => {
    const notFound = await post('/elsewhere');
    assert.deepEqual([notFound.status, notFound.error.code], [404, -32600]);
    assert.match(notFound.error.message, /Not found: \/elsewhere/);
    const origin = await post('/mcp', { origin: 'https://evil.example' });
    assert.deepEqual([origin.status, origin.error.code], [403, -32600]);
    assert.equal(origin.headers.get('www-authenticate'), null);
  });

  test('an unexpected throw while identifying the caller is a 500 with a reference, not a 401 with details', async () => {
    auth = {
      ...baseAuth,
      principalOf: async () => {
        throw new TypeError('secret-store exploded at /etc/keys');
      },
    };
    try {
      const logs = await captureLogs(() => post('/mcp', { 'x-api-key': 'k' }));
      const answer = await logs.result;
      assert.equal(answer.status, 500);
      assert.equal(answer.error.code, -32603);
      assert.match(answer.error.message, /^Internal error \(reference [0-9a-f-]{36}\)\.$/);
      assert.doesNotMatch(answer.error.message, /exploded/);
      assert.ok(logs.lines.some((l) => l['error'] === 'secret-store exploded at /etc/keys'));
    } finally {
      auth = baseAuth;
    }
  });
});

/** A Pub/Sub CloudEvent carrying `data` as its message. */
function pubsubEvent(
  data: unknown,
  extra: Partial<CloudEvent<PubSubMessageData>> = {},
): CloudEvent<PubSubMessageData> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub.googleapis.com/projects/p/topics/veo-requests',
    data: {
      message: {
        data: Buffer.from(JSON.stringify(data)).toString('base64'),
        messageId: 'm-1',
        attributes: {},
      },
    },
    ...extra,
  } as CloudEvent<PubSubMessageData>;
}

/** A runtime whose `operations[method]` throws `failure`; the rejections it publishes are collected. */
function runtimeFailingIn(method: 'poll' | 'start', failure: unknown) {
  const rejected: Rejection[] = [];
  const fail = async () => {
    throw failure;
  };
  const runtime = {
    config: loadConfig({}),
    clock: systemClock,
    operations: { [method]: fail },
    // Local blobs: no bucket of its own to keep images out of.
    blobs: { outputUriFor: () => undefined },
    completions: { rejected: async (rejection: Rejection) => void rejected.push(rejection) },
  } as unknown as Runtime;
  return { getRuntime: async () => runtime, rejected };
}

describe('poller: ack or retry', () => {
  const pollerWith = (failure: unknown) => createPollerHandler(runtimeFailingIn('poll', failure).getRuntime);
  const poll = { operationId: '01jabcdefghjkmnpqrstvwxyz0' };

  test('retryable AppErrors and unexpected throws are rethrown for redelivery', async () => {
    for (const failure of [new AppError('UPSTREAM', 'Veo 503', true), ...ODD_THROWS, unknownCode(true)]) {
      const logs = await captureLogs(() => pollerWith(failure)(pubsubEvent(poll)));
      await assert.rejects(logs.result, (err) => err === failure, String(failure));
    }
  });

  test('a permanent failure is acknowledged: rejected messages are ignored, others reported failed', async () => {
    const cases: Array<[unknown, string]> = [
      [new AppError('INVALID_ARGUMENT', 'bad poll'), 'ignored'],
      [new AppError('NOT_FOUND', 'gone'), 'ignored'],
      [new AppError('UPSTREAM', 'Veo 400'), 'failed'],
      [new AppError('INTERNAL', 'bug'), 'failed'],
      [unknownCode(false), 'failed'],
    ];
    for (const [failure, outcome] of cases) {
      const logs = await captureLogs(() => pollerWith(failure)(pubsubEvent(poll)));
      assert.equal(await logs.result, outcome, String(failure));
      assert.ok(logs.lines.some((l) => l['message'] === 'Poll failed for good; message acknowledged'));
    }
  });
});

describe('requests: ack, reject or retry', () => {
  const requestsWith = (failure: unknown) => {
    const { getRuntime, rejected } = runtimeFailingIn('start', failure);
    return { handle: createRequestsHandler(getRuntime), rejected };
  };
  const request = { request_id: 'r-1', prompt: 'a kite over the sea' };

  /** The code the rejection was logged with (the request.rejected event carries it too). */
  const rejectedCode = (lines: Array<Record<string, unknown>>) =>
    lines.find((line) => line['message'] === 'Generation request rejected')?.['code'];

  test('retryable AppErrors and unexpected throws are rethrown, with nothing published', async () => {
    for (const failure of [new AppError('RESOURCE_EXHAUSTED', '429', true), ...ODD_THROWS]) {
      const { handle, rejected } = requestsWith(failure);
      const logs = await captureLogs(() => handle(pubsubEvent(request)));
      await assert.rejects(logs.result, (err) => err === failure, String(failure));
      assert.deepEqual(rejected, []);
    }
  });

  test('a request at fault is rejected with its reason, and acknowledged', async () => {
    const { handle, rejected } = requestsWith(new AppError('ALREADY_EXISTS', 'request_id reused'));
    const logs = await captureLogs(() => handle(pubsubEvent(request)));
    assert.equal(await logs.result, 'rejected');
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.reason, 'request_id reused');
    assert.equal(rejected[0]!.requestId, 'r-1');
    assert.equal(rejectedCode(logs.lines), 'ALREADY_EXISTS');
    assert.equal(rejected[0]!.code, 'ALREADY_EXISTS');
  });

  test('a submit Veo refused as invalid is held by its FAILED operation: no second, rejection event', async () => {
    const failure = new SubmitFailedError(
      'op-1',
      'INVALID_ARGUMENT',
      'Veo did not start the generation',
      false,
    );
    const { handle, rejected } = requestsWith(failure);
    const logs = await captureLogs(() => handle(pubsubEvent(request)));
    assert.equal(await logs.result, 'failed');
    assert.deepEqual(rejected, []);
    assert.ok(logs.lines.some((l) => l['operationId'] === 'op-1'));
  });

  test('a permanent Veo failure is left to the operation record: acknowledged as failed, no rejection', async () => {
    for (const failure of [new AppError('UPSTREAM', 'Veo refused', false), unknownCode(false)]) {
      const { handle, rejected } = requestsWith(failure);
      const logs = await captureLogs(() => handle(pubsubEvent(request)));
      assert.equal(await logs.result, 'failed', String(failure));
      assert.deepEqual(rejected, []);
    }
  });

  test('a bad request is rejected before anything starts', async () => {
    const { handle, rejected } = requestsWith(new Error('start must not be called'));
    const logs = await captureLogs(() => handle(pubsubEvent({ ...request, model: 'veo-99' })));
    assert.equal(await logs.result, 'rejected');
    assert.match(rejected[0]!.reason, /Invalid model: "veo-99"/);
    assert.equal(rejectedCode(logs.lines), 'INVALID_ARGUMENT');
  });
});
