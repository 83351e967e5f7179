// Pipeline messages follow the same input rules as the tools (video/input-rules.ts) and the egress rules for
// webhook_url, checked on arrival: each bad message is rejected with a reason naming the field, and nothing is
// recorded or sent to Veo. The requests handler runs on a real runtime (memory store, the Veo simulator).
import assert from 'node:assert/strict';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { after, before, describe, test } from 'node:test';
import type { PubSubMessageData } from '../../../functions/src/poller/handler.js';
import { createRequestsHandler } from '../../../functions/src/requests/handler.js';
import type { ResolvedAddress } from '../../../functions/src/net/egress.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const PRINCIPAL = 'pipeline:test';

describe('hostile pipeline messages are rejected and create nothing', () => {
  let server: TestServer;
  let handle: ReturnType<typeof createRequestsHandler>;
  const rejections: Array<{ reason: string; code: string; correlation: Record<string, string> }> = [];
  let counter = 0;

  before(async () => {
    server = await startTestServer({
      env: {
        PIPELINE_PRINCIPAL: PRINCIPAL,
        WEBHOOK_SIGNING_SECRET: 'webhook-secret-for-tests-0123456789abcdef',
      },
    });
    server.runtime.completions.rejected = async (rejection) => {
      rejections.push({ reason: rejection.reason, code: rejection.code, correlation: rejection.correlation });
    };
    const table: Record<string, string[]> = {
      'hooks.example.com': ['93.184.215.14'],
      'private-hooks.example.com': ['10.1.1.1'],
      'rebind-hooks.example.com': ['93.184.215.14', '169.254.169.254'],
    };
    server.runtime.egress.resolve = async (host: string): Promise<ResolvedAddress[]> => {
      const found = table[host];
      if (!found) throw new Error(`ENOTFOUND ${host}`);
      return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    handle = createRequestsHandler(async () => server.runtime);
  });
  after(() => server.close());

  const deliver = (body: object | string) =>
    handle({
      id: `event-${++counter}`,
      source: '//pubsub.googleapis.com/projects/p/topics/veo-requests',
      specversion: '1.0',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      data: {
        message: {
          data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64'),
          messageId: `m-${counter}`,
        },
        subscription: 'projects/p/subscriptions/veo-requests-sub',
      },
    } as CloudEvent<PubSubMessageData>);

  async function rejected(body: object | string, reason: RegExp): Promise<void> {
    const before = {
      ops: (await server.runtime.operations.list({ principal: PRINCIPAL, limit: 100 })).records.length,
      submits: server.simulator.stats.submits,
      rejections: rejections.length,
    };
    assert.equal(await deliver(body), 'rejected');
    assert.equal(rejections.length, before.rejections + 1, 'one request.rejected event');
    const last = rejections.at(-1)!;
    assert.equal(last.code, 'INVALID_ARGUMENT');
    assert.match(last.reason, reason);
    const ops = (await server.runtime.operations.list({ principal: PRINCIPAL, limit: 100 })).records.length;
    assert.equal(ops, before.ops, 'no operation was recorded');
    assert.equal(server.simulator.stats.submits, before.submits, 'Veo was not called');
  }

  const cases: Array<[string, object | string, RegExp]> = [
    [
      'an unknown field',
      { request_id: 'r-1', prompt: 'A kite', colour: 'red' },
      /Unknown field "colour" in the request message\. Allowed: prompt, .*request_id, correlation, webhook_url\./,
    ],
    [
      'a tool-only field',
      { request_id: 'r-2', prompt: 'A kite', wait_seconds: 30 },
      /Unknown field "wait_seconds" in the request message/,
    ],
    [
      'a message that is an array',
      [{ request_id: 'r-3', prompt: 'A kite' }],
      /the request message must be a JSON object, not an array/,
    ],
    ['a message that is a string', '"A kite"', /the request message must be a JSON object, not string/],
    ['a message that is null', 'null', /the request message must be a JSON object, not null/],
    [
      'a __proto__ key',
      '{"request_id":"r-4","prompt":"A kite","__proto__":{"x":1}}',
      /Message data is not valid JSON \(the key "__proto__" is not accepted\)/,
    ],
    [
      'NUL in the prompt',
      { request_id: 'r-5', prompt: 'A\u0000kite' },
      /Invalid prompt: character U\+0000 \(NUL\) at index 1/,
    ],
    [
      'a bidi override in the negative prompt',
      { request_id: 'r-6', prompt: 'A kite', negative_prompt: 'rain\u202E' },
      /Invalid negative_prompt: character U\+202E \(RIGHT-TO-LEFT OVERRIDE\) at index 4/,
    ],
    [
      'a bidi isolate in a correlation value',
      { request_id: 'r-7', prompt: 'A kite', correlation: { sku: 'A\u2066B' } },
      /Invalid correlation value: character U\+2066 \(LEFT-TO-RIGHT ISOLATE\) at index 1/,
    ],
    // Correlation values become Pub/Sub attributes on the completion event, whose values Pub/Sub caps at 1024
    // bytes (https://cloud.google.com/pubsub/quotas#resource_limits): 1024 characters of 'é' are 2048 bytes, so the
    // operation would start and bill, and its completion event would never publish.
    [
      'a correlation value over 1024 bytes in UTF-8',
      { request_id: 'r-7b', prompt: 'A kite', correlation: { note: 'é'.repeat(513) } },
      /correlation\.note: correlation values are at most 1024 bytes in UTF-8 \(a Pub\/Sub attribute limit\); this one is 1026/,
    ],
    [
      'a request_id with a path',
      { request_id: '../r-8', prompt: 'A kite' },
      /request_id may use letters, digits and \. _ : -/,
    ],
    [
      'a webhook on plain http',
      { request_id: 'r-9', prompt: 'A kite', webhook_url: 'http://hooks.example.com/x' },
      /webhook_url must be https/,
    ],
    [
      'a webhook on the metadata server',
      { request_id: 'r-10', prompt: 'A kite', webhook_url: 'https://169.254.169.254/computeMetadata/v1/' },
      /webhook_url: "https:\/\/169\.254\.169\.254\/computeMetadata\/v1\/" is not accepted: 169\.254\.169\.254 is a private, loopback, link-local \(metadata\)/,
    ],
    [
      'a webhook on the metadata server by name',
      { request_id: 'r-11', prompt: 'A kite', webhook_url: 'https://metadata.google.internal/x' },
      /webhook_url: .* is not accepted: the host metadata\.google\.internal names a local or platform-internal service/,
    ],
    [
      'a webhook on IPv4-mapped loopback',
      { request_id: 'r-12', prompt: 'A kite', webhook_url: 'https://[::ffff:127.0.0.1]/hook' },
      /is not accepted: .*IPv4-mapped form of 127\.0\.0\.1/,
    ],
    [
      'a webhook on a 6to4 private address',
      { request_id: 'r-13', prompt: 'A kite', webhook_url: 'https://[2002:0a00:0001::1]/hook' },
      /is not accepted: .*6to4 form of 10\.0\.0\.1/,
    ],
    [
      'a webhook on a name resolving to a private address',
      { request_id: 'r-14', prompt: 'A kite', webhook_url: 'https://private-hooks.example.com/hook' },
      /private-hooks\.example\.com resolves to 10\.1\.1\.1, which is a private/,
    ],
    [
      'a webhook on a name answering public first and metadata second',
      { request_id: 'r-15', prompt: 'A kite', webhook_url: 'https://rebind-hooks.example.com/hook' },
      /rebind-hooks\.example\.com resolves to 169\.254\.169\.254/,
    ],
    [
      'a webhook on a name that does not resolve',
      { request_id: 'r-16', prompt: 'A kite', webhook_url: 'https://nowhere.example.com/hook' },
      /the host nowhere\.example\.com could not be resolved/,
    ],
  ];
  for (const [name, body, reason] of cases) {
    test(`${name} is rejected, naming why`, async () => {
      await rejected(body, reason);
    });
  }

  // A rejection is logged and published on the completions topic every pipeline's subscriptions read: a password in
  // a URL the message carried must not travel with it.
  for (const [name, body, reason] of [
    [
      'a webhook with a password in its URL',
      { request_id: 'r-cred-1', prompt: 'A kite', webhook_url: 'https://hook:s3cret-pw@hooks.example.com/x' },
      /^webhook_url: "https:\/\/<credentials>@hooks\.example\.com\/x" is not accepted: URLs with credentials \(user:password@\) are not fetched\.$/,
    ],
    [
      'an image with a password in its URL',
      { request_id: 'r-cred-2', prompt: 'A kite', image: 'https://img:s3cret-pw@hooks.example.com/a.png' },
      /^Invalid image: "https:\/\/<credentials>@hooks\.example\.com\/a\.png"\. It is not fetched: URLs with credentials/,
    ],
  ] as Array<[string, object, RegExp]>) {
    test(`${name} is rejected without echoing the password`, async () => {
      await rejected(body, reason);
      assert.ok(!rejections.at(-1)!.reason.includes('s3cret'));
    });
  }

  // The rejection's correlation becomes Pub/Sub attributes too: Pub/Sub refuses more than 100 of them or a key over
  // 256 bytes, and a rejection that cannot publish fails the delivery, which is redelivered until it dead-letters
  // and the pipeline never hears why. Only entries the contract allows are echoed, at most 20.
  test('a rejection echoes only the correlation entries the contract allows', async () => {
    const correlation: Record<string, string> = { sku: 'A-1', ['k'.repeat(300)]: 'long key' };
    for (let i = 0; i < 150; i++) correlation[`c${i}`] = 'x';
    correlation['bad value'] = 'x';
    correlation['note'] = 'é'.repeat(600);
    correlation['status'] = 'reserved';
    await rejected(
      { request_id: 'r-corr', prompt: 'A kite', colour: 'red', correlation },
      /Unknown field "colour"/,
    );
    const echoed = rejections.at(-1)!.correlation;
    assert.equal(Object.keys(echoed).length, 20);
    assert.equal(echoed['sku'], 'A-1');
    for (const key of Object.keys(echoed)) assert.match(key, /^(sku|c\d+)$/);
  });

  test('a webhook on a public host is accepted and the request starts', async () => {
    const outcome = await deliver({
      request_id: 'r-ok',
      prompt: 'A kite',
      duration_seconds: 4,
      webhook_url: 'https://hooks.example.com/veo',
    });
    assert.equal(outcome, 'started');
    // The delivery at completion resolves the name again: here it no longer resolves, so nothing leaves the machine.
    server.runtime.egress.resolve = async (host) => {
      throw new Error(`ENOTFOUND ${host}`);
    };
  });
});
