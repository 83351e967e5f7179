// Identities over real HTTP, as an attacker would try them: the `mcp` function served by functions-framework, SDK
// clients for the callers who should get in, raw requests (headers in any order, sent twice) for those who should
// not. Every refusal is checked for its status, JSON-RPC error, WWW-Authenticate challenge, and for what it did not
// do: no operation recorded, no Veo submit.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { newApiKey } from '../../functions/src/auth/api-keys.js';
import { TestIssuer } from '../helpers/id-tokens.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

const GENERATE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'generate_video', arguments: { prompt: 'A heist', duration_seconds: 4 } },
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  json: { error?: { code: number; message: string } } & Record<string, unknown>;
}

/**
 * One HTTP/1.1 request written by hand, so headers go out exactly as given: in this order, and twice when listed
 * twice (fetch would merge them).
 */
function rawRequest(
  url: string,
  headers: Array<[string, string]>,
  body = GENERATE,
  method = 'POST',
  path = '/mcp',
): Promise<RawAnswer> {
  const { hostname, port, host } = new URL(url);
  const lines = [
    `${method} ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...headers.map(([name, value]) => `${name}: ${value}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`),
    );
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk.toString()));
    socket.on('error', reject);
    socket.on('end', () => resolve(parseAnswer(raw)));
  });
}

function parseAnswer(raw: string): RawAnswer {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head!.split('\r\n');
  const parsed: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    parsed[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let text = rest.join('\r\n\r\n');
  if (parsed['transfer-encoding'] === 'chunked') text = unchunk(text);
  let json: RawAnswer['json'];
  try {
    json = JSON.parse(text) as RawAnswer['json'];
  } catch {
    json = { text };
  }
  return { status: Number(statusLine!.split(' ')[1]), headers: parsed, json };
}

/**
 * A request that announces a 32 MB gzip body and sends 10 bytes of it, then waits: the answer must come without
 * the body (a server that reads first never answers). Resolves when the server has answered and closed.
 */
function answerWithoutBody(url: string, headers: Array<[string, string]>): Promise<RawAnswer> {
  const { hostname, port, host } = new URL(url);
  const lines = [
    'POST /mcp HTTP/1.1',
    `Host: ${host}`,
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    'Content-Encoding: gzip',
    `Content-Length: ${32 * 1024 * 1024}`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
  ];
  return new Promise((resolve, reject) => {
    // The 10-byte header of a gzip stream: a reader inflating it waits for the rest.
    const gzipHeader = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    const socket = connect(Number(port), hostname, () =>
      socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), gzipHeader])),
    );
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk.toString()));
    socket.on('error', reject);
    socket.on('end', () => resolve(parseAnswer(raw)));
  });
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const i = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, i), 16);
    if (!size) return out;
    out += rest.slice(i + 2, i + 2 + size);
    rest = rest.slice(i + 4 + size);
  }
}

/** The operations recorded for each principal, and the simulator's submits: both must stay as they were. */
async function footprint(server: TestServer, principals: string[]): Promise<string> {
  const lists = await Promise.all(
    principals.map(
      async (principal) => (await server.runtime.store.list({ principal, limit: 100 })).records.length,
    ),
  );
  return JSON.stringify({ records: lists, submits: server.simulator.stats.submits });
}

/**
 * Sends `headers` and asserts the refusal of a credential check: 401, JSON-RPC -32600 with `message`, a Bearer
 * challenge with `error` (none when undefined), and nothing recorded or submitted for `principals`.
 */
async function assertRefused(
  server: TestServer,
  principals: string[],
  headers: Array<[string, string]>,
  message: RegExp,
  error: string | undefined,
): Promise<RawAnswer> {
  const before = await footprint(server, principals);
  const answer = await rawRequest(server.url, headers);
  assert.equal(answer.status, 401);
  assert.equal(answer.json.error?.code, -32600);
  assert.match(answer.json.error!.message, message);
  const challenge = answer.headers['www-authenticate']!;
  assert.match(challenge, /^Bearer realm="veo-mcp"/);
  if (error) assert.match(challenge, new RegExp(`error="${error}"`));
  else assert.doesNotMatch(challenge, /error=/);
  assert.equal(await footprint(server, principals), before);
  return answer;
}

const started = (result: CallToolResult) =>
  (result.structuredContent as { operation_id: string }).operation_id;

/** Starts a 4-second generation as `client`; its operation id and the principal its record names. */
async function generation(
  server: TestServer,
  client: Client,
  prompt: string,
): Promise<{ id: string; principal: string | undefined }> {
  const result = await client.callTool({
    name: 'generate_video',
    arguments: { prompt, duration_seconds: 4 },
  });
  const id = started(result as CallToolResult);
  return { id, principal: (await server.runtime.store.get(id))?.principal };
}
const text = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** Another caller's operation answers exactly as a missing one does: same error, same text but for the id. */
async function assertHiddenFrom(owner: Client, other: Client, id: string): Promise<void> {
  const own = (await owner.callTool({
    name: 'get_video_operation',
    arguments: { operation_id: id },
  })) as CallToolResult;
  assert.equal(own.isError, undefined);
  const missingId = `${id.slice(0, -4)}zzzz`;
  const foreign = (await other.callTool({
    name: 'get_video_operation',
    arguments: { operation_id: id },
  })) as CallToolResult;
  const missing = (await other.callTool({
    name: 'get_video_operation',
    arguments: { operation_id: missingId },
  })) as CallToolResult;
  assert.equal(foreign.isError, true);
  assert.equal(text(foreign).replaceAll(id, 'ID'), text(missing).replaceAll(missingId, 'ID'));
  const listed = (await other.callTool({ name: 'list_video_operations', arguments: {} })) as CallToolResult;
  assert.deepEqual((listed.structuredContent as { operations: unknown[] }).operations, []);
}

describe('AUTH_MODE=api_key', () => {
  let server: TestServer;
  const legacy = 'alice-key-0001';
  const principals = [
    'local',
    'key:alice',
    'key:bob',
    `key:${sha256(legacy).slice(0, 12)}`,
    'key:revoked',
    'key:expired',
  ];
  let alice: string;
  let bob: string;
  let revoked: string;
  let expired: string;

  before(async () => {
    server = await startTestServer({
      env: { AUTH_MODE: 'api_key', API_KEY_HASHES: sha256(legacy), AUTH_CACHE_SECONDS: '0' },
    });
    const keys = server.runtime.apiKeys;
    const make = async (principal: string, createdAt = new Date()) => {
      const made = newApiKey(principal, createdAt, 1);
      await keys.create(made.record);
      return made;
    };
    alice = (await make('alice')).key;
    bob = (await make('bob')).key;
    const gone = await make('revoked');
    await keys.revoke(gone.record.hash, new Date().toISOString());
    revoked = gone.key;
    expired = (await make('expired', new Date(Date.now() - 2 * 86_400_000))).key;
  });
  after(() => server.close());

  const refusals: Array<[string, () => Array<[string, string]>, RegExp, RegExp]> = [
    [
      'no key',
      () => [],
      /^Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>\.$/,
      /^Bearer realm="veo-mcp"$/,
    ],
    [
      'an unknown key',
      () => [['Authorization', `Bearer ${newApiKey('x', new Date()).key}`]],
      /^Invalid API key: it is not one this server accepts \(unknown, revoked or expired\)\.$/,
      /error="invalid_token"/,
    ],
    [
      'a revoked key',
      () => [['Authorization', `Bearer ${revoked}`]],
      /^Invalid API key: it is not one this server accepts/,
      /error="invalid_token"/,
    ],
    [
      'an expired key',
      () => [['X-API-Key', expired]],
      /^Invalid API key: it is not one this server accepts/,
      /error="invalid_token"/,
    ],
    [
      'a key with the wrong prefix',
      () => [['X-API-Key', `sk_${alice.slice(4)}`]],
      /^Malformed API key: keys are veo_ followed by 43/,
      /error="invalid_token"/,
    ],
    [
      'a truncated key',
      () => [['X-API-Key', alice.slice(0, -1)]],
      /^Malformed API key/,
      /error="invalid_token"/,
    ],
    [
      'keys in both headers that disagree',
      () => [
        ['Authorization', `Bearer ${bob}`],
        ['X-API-Key', alice],
      ],
      /^X-API-Key and Authorization carry different keys: send one key\.$/,
      /error="invalid_request"/,
    ],
    [
      'the same disagreement, headers the other way round',
      () => [
        ['X-API-Key', alice],
        ['Authorization', `Bearer ${bob}`],
      ],
      /^X-API-Key and Authorization carry different keys/,
      /error="invalid_request"/,
    ],
    [
      'X-API-Key sent twice',
      () => [
        ['X-API-Key', alice],
        ['X-API-Key', bob],
      ],
      /^Send x-api-key once: the request has 2 of them\.$/,
      /error="invalid_request"/,
    ],
    [
      'Authorization that is not Bearer',
      () => [['Authorization', `Basic ${Buffer.from(`x:${alice}`).toString('base64')}`]],
      /^Authorization must be "Bearer " followed by one API key\.$/,
      /error="invalid_request"/,
    ],
    [
      'two keys in one Authorization',
      () => [['Authorization', `Bearer ${alice} ${bob}`]],
      /^Authorization must be "Bearer " followed by one API key/,
      /error="invalid_request"/,
    ],
  ];
  for (const [name, headers, message, challenge] of refusals) {
    test(`refused with 401, nothing created: ${name}`, async () => {
      const before = await footprint(server, principals);
      const answer = await rawRequest(server.url, headers());
      assert.equal(answer.status, 401);
      assert.equal(answer.json.error?.code, -32600);
      assert.match(answer.json.error!.message, message);
      assert.match(answer.headers['www-authenticate']!, challenge);
      assert.doesNotMatch(
        answer.headers['www-authenticate']!,
        /resource_metadata/,
        'no OAuth metadata for keys',
      );
      for (const key of [alice, bob, revoked, expired])
        assert.ok(!JSON.stringify(answer).includes(key.slice(4)));
      assert.equal(await footprint(server, principals), before);
    });
  }

  test('behind Cloud Run IAM the ID token may fill Authorization: the key then comes from X-API-Key', async () => {
    const idToken = `Bearer ${TestIssuer.stripped({ iss: 'https://accounts.google.com', email: 'a@example.com' })}`;
    const client = await server.connect({ authorization: idToken, 'x-api-key': alice });
    assert.equal((await client.listTools()).tools.length, 8);
    const before = await footprint(server, principals);
    const answer = await rawRequest(server.url, [['Authorization', idToken]]);
    assert.equal(answer.status, 401);
    assert.match(
      answer.json.error!.message,
      /^Missing API key: .*\(Authorization holds an ID token, not a key: put the key in X-API-Key\)\.$/,
    );
    assert.equal(await footprint(server, principals), before);
  });

  test('a key listed in API_KEY_HASHES still works, as its own principal', async () => {
    const client = await server.connect({ authorization: `Bearer ${legacy}` });
    assert.equal((await client.listTools()).tools.length, 8);
  });

  test('both headers carrying the same key are accepted', async () => {
    const client = await server.connect({ authorization: `Bearer ${alice}`, 'x-api-key': alice });
    assert.equal((await client.listTools()).tools.length, 8);
  });

  test("each key sees only its own operations: another's id answers like a missing one, lists are separate", async () => {
    const a = await server.connect({ authorization: `Bearer ${alice}` });
    const b = await server.connect({ 'x-api-key': bob });
    const id = started(
      (await a.callTool({
        name: 'generate_video',
        arguments: { prompt: 'Alice only', duration_seconds: 4 },
      })) as CallToolResult,
    );
    await assertHiddenFrom(a, b, id);
    const record = await server.runtime.store.get(id);
    assert.equal(record?.principal, 'key:alice');
  });

  test('a key revoked while the server runs is refused on its next request (AUTH_CACHE_SECONDS=0)', async () => {
    const made = newApiKey('short-lived', new Date());
    await server.runtime.apiKeys.create(made.record);
    assert.equal((await rawRequest(server.url, [['X-API-Key', made.key]], listTools())).status, 200);
    await server.runtime.apiKeys.revoke(made.record.hash, new Date().toISOString());
    const answer = await rawRequest(server.url, [['X-API-Key', made.key]]);
    assert.equal(answer.status, 401);
    assert.match(answer.json.error!.message, /^Invalid API key/);
  });

  // Identity needs only the headers. A server that read (and inflated, and parsed) the body first spent seconds of
  // CPU on ~30 KB of gzip from anyone who can reach it, and held a request slot as long as the upload lasted.
  for (const [name, headers] of [
    ['no key', []],
    ['an unknown key', [['X-API-Key', newApiKey('x', new Date()).key]]],
  ] as Array<[string, Array<[string, string]>]>) {
    test(
      `refused before the body is read, and the connection closed: ${name}`,
      { timeout: 10_000 },
      async () => {
        const before = await footprint(server, principals);
        const answer = await answerWithoutBody(server.url, headers);
        assert.equal(answer.status, 401);
        assert.match(answer.json.error!.message, /^(Missing API key|Invalid API key)/);
        assert.equal(answer.headers['connection'], 'close');
        assert.equal(await footprint(server, principals), before);
      },
    );
  }

  test('no protected resource metadata is served for API keys', async () => {
    const answer = await rawRequest(server.url, [], '', 'GET', '/.well-known/oauth-protected-resource/mcp');
    assert.equal(answer.status, 404);
  });
});

function listTools(): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
}

describe('AUTH_MODE=iam on the platform (K_SERVICE set)', () => {
  let server: TestServer;
  let issuer: TestIssuer;
  const principals = [
    'local',
    'anonymous',
    'user:alice@example.com',
    'user:bob@example.com',
    'user:ceo@example.com',
    'sub:1000000000001',
  ];

  before(async () => {
    issuer = await new TestIssuer().start();
    // No AUTH_MODE: on the platform it is iam. No audience setting either: the service's URL is the audience.
    server = await startTestServer({ env: { K_SERVICE: 'veo-mcp', AUTH_CERTS_URL: issuer.certsUrl } });
  });
  after(async () => {
    await server.close();
    await issuer.close();
  });

  const claims = (overrides = {}) => issuer.claims(server.url, overrides);
  const signed = (overrides = {}) => `Bearer ${issuer.sign(claims(overrides))}`;
  const stripped = (overrides = {}) => `Bearer ${TestIssuer.stripped(claims(overrides))}`;
  const forged = () => `Bearer ${TestIssuer.unsigned(claims({ email: 'ceo@example.com' }))}`;

  test('the mode is iam without any setting, and no request is anonymous', () => {
    assert.equal(server.runtime.auth.mode, 'iam');
  });

  test('no token: 401 with a Bearer challenge pointing at the protected resource metadata', async () => {
    const before = await footprint(server, principals);
    const answer = await rawRequest(server.url, []);
    assert.equal(answer.status, 401);
    assert.match(
      answer.json.error!.message,
      /^Missing credentials: send a Google ID token as Authorization: Bearer TOKEN/,
    );
    assert.equal(
      answer.headers['www-authenticate'],
      `Bearer realm="veo-mcp", resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    assert.equal(await footprint(server, principals), before);
  });

  test('the protected resource metadata names Google as the authorization server (RFC 9728)', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]) {
      const answer = await rawRequest(server.url, [], '', 'GET', path);
      assert.equal(answer.status, 200);
      assert.equal(answer.json['resource'], `${server.url}/mcp`);
      assert.deepEqual(answer.json['authorization_servers'], ['https://accounts.google.com']);
      assert.deepEqual(answer.json['bearer_methods_supported'], ['header']);
    }
  });

  test('a forged Authorization next to the token Cloud Run verified acts as the verified caller, in either order', async () => {
    for (const headers of [
      [
        ['Authorization', forged()],
        ['X-Serverless-Authorization', stripped()],
      ],
      [
        ['X-Serverless-Authorization', stripped()],
        ['Authorization', forged()],
      ],
    ] as Array<Array<[string, string]>>) {
      const before = (await server.runtime.store.list({ principal: 'user:alice@example.com', limit: 100 }))
        .records.length;
      const answer = await rawRequest(server.url, headers);
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      const after = await server.runtime.store.list({ principal: 'user:alice@example.com', limit: 100 });
      assert.equal(after.records.length, before + 1, 'recorded for the verified caller');
      assert.deepEqual(
        (await server.runtime.store.list({ principal: 'user:ceo@example.com', limit: 10 })).records,
        [],
      );
    }
  });

  const refusals: Array<[string, () => Array<[string, string]>, RegExp, string | undefined]> = [
    [
      'a forged unsigned token alone',
      () => [['Authorization', forged()]],
      /^Authorization: unsigned or wrongly signed token refused \(alg "none"/,
      'invalid_token',
    ],
    [
      'a token signed with another key',
      () => [['Authorization', `Bearer ${issuer.sign(claims(), { key: 'other' })}`]],
      /signature does not verify/,
      'invalid_token',
    ],
    [
      'an expired token',
      () => {
        const now = Math.floor(Date.now() / 1000);
        return [['Authorization', signed({ iat: now - 7200, exp: now - 3600 })]];
      },
      /the token has expired/,
      'invalid_token',
    ],
    [
      'a token not yet valid',
      () => {
        const now = Math.floor(Date.now() / 1000);
        return [['Authorization', signed({ iat: now + 3600, exp: now + 7200 })]];
      },
      /not valid yet/,
      'invalid_token',
    ],
    [
      'a token for another service',
      () => [['Authorization', `Bearer ${issuer.sign(issuer.claims('https://other.run.app'))}`]],
      /audience is not this service/,
      'invalid_token',
    ],
    [
      'a token from another issuer',
      () => [['Authorization', signed({ iss: 'https://evil.example' })]],
      /not issued by Google/,
      'invalid_token',
    ],
    [
      'Bearer with garbage',
      () => [['Authorization', 'Bearer garbage']],
      /^Authorization must be "Bearer " followed by one Google ID token/,
      'invalid_request',
    ],
    [
      'two tokens in one header',
      () => [['Authorization', `${signed()} ${signed()}`]],
      /^Authorization must be "Bearer " followed by one/,
      'invalid_request',
    ],
    [
      'Authorization sent twice (Node keeps only the first in req.headers)',
      () => [
        ['Authorization', signed()],
        ['Authorization', forged()],
      ],
      /^Send authorization once: the request has 2 of them\.$/,
      'invalid_request',
    ],
    [
      'X-Serverless-Authorization sent twice',
      () => [
        ['X-Serverless-Authorization', stripped()],
        ['X-Serverless-Authorization', stripped({ email: 'ceo@example.com' })],
      ],
      /^Send x-serverless-authorization once/,
      'invalid_request',
    ],
    // The refusal quotes the token's alg, which the caller wrote; in the WWW-Authenticate challenge a character
    // beyond Latin-1 made Node's setHeader throw, and the request crashed (500, text/html).
    [
      'a token whose alg is not Latin-1',
      () => {
        const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return [['Authorization', `Bearer ${part({ alg: 'R\u0100S' })}.${part(claims())}.c2ln`]];
      },
      /^Authorization: unsigned or wrongly signed token refused \(alg "R\u0100S"; Google signs with RS256\)\.$/,
      'invalid_token',
    ],
    [
      'a garbage X-Serverless-Authorization beside a valid Authorization',
      () => [
        ['Authorization', signed()],
        ['X-Serverless-Authorization', 'Bearer x'],
      ],
      /^X-Serverless-Authorization must be "Bearer "/,
      'invalid_request',
    ],
  ];
  for (const [name, headers, message, error] of refusals) {
    test(`refused with 401, nothing created: ${name}`, async () => {
      const answer = await assertRefused(server, principals, headers(), message, error);
      assert.match(
        answer.headers['www-authenticate']!,
        /^Bearer realm="veo-mcp", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
      );
      assert.ok(!JSON.stringify(answer).includes(issuer.sign(claims()).split('.')[2]!));
    });
  }

  test('a signed token without an email acts as its subject', async () => {
    const client = await server.connect({ authorization: signed({ email: undefined }) });
    assert.equal((await generation(server, client, 'By sub')).principal, 'sub:1000000000001');
  });

  test("callers with verified tokens see only their own operations: another's id answers like a missing one", async () => {
    const alice = await server.connect({ authorization: signed() });
    const bob = await server.connect({
      'x-serverless-authorization': stripped({ email: 'bob@example.com', sub: '2' }),
    });
    const id = started(
      (await alice.callTool({
        name: 'generate_video',
        arguments: { prompt: 'Alice only', duration_seconds: 4 },
      })) as CallToolResult,
    );
    assert.equal((await server.runtime.store.get(id))?.principal, 'user:alice@example.com');
    await assertHiddenFrom(alice, bob, id);
  });
});

describe('AUTH_MODE=iap behind Identity-Aware Proxy (K_SERVICE set)', () => {
  const AUDIENCE = '/projects/123456789012/locations/us-central1/services/veo-mcp';
  let server: TestServer;
  let iap: TestIssuer;
  let google: TestIssuer;
  const principals = [
    'local',
    'user:alice@example.com',
    'user:bob@example.com',
    'user:ceo@example.com',
    'sub:1000000000001',
  ];

  before(async () => {
    iap = await new TestIssuer({ alg: 'ES256' }).start();
    google = await new TestIssuer().start();
    server = await startTestServer({
      env: { K_SERVICE: 'veo-mcp', AUTH_MODE: 'iap', IAP_AUDIENCE: AUDIENCE, IAP_CERTS_URL: iap.certsUrl },
    });
  });
  after(async () => {
    await server.close();
    await iap.close();
    await google.close();
  });

  const assertion = (overrides = {}) => iap.sign(iap.iapClaims(AUDIENCE, overrides));
  /** What Cloud Run passes on behind IAP: the IAP service agent's token, its signature removed. */
  const agentToken = `Bearer ${TestIssuer.stripped({
    iss: 'https://accounts.google.com',
    email: 'service-123456789012@gcp-sa-iap.iam.gserviceaccount.com',
    email_verified: true,
    exp: Math.floor(Date.now() / 1000) + 3600,
  })}`;
  const idTokenFor = (email: string) => `Bearer ${google.sign(google.claims(server.url, { email }))}`;

  test('the user IAP verified is the caller, over the MCP SDK, with no key and no ID token', async () => {
    const client = await server.connect({ 'x-goog-iap-jwt-assertion': assertion() });
    assert.equal((await generation(server, client, 'Signed in once')).principal, 'user:alice@example.com');
  });

  test("the assertion decides: the agent's token and a valid ID token for someone else change nothing", async () => {
    const client = await server.connect({
      'x-goog-iap-jwt-assertion': assertion({ email: 'bob@example.com', sub: 'accounts.google.com:2' }),
      'x-serverless-authorization': agentToken,
      authorization: idTokenFor('ceo@example.com'),
    });
    const { principal } = await generation(server, client, 'Bob, whatever else is sent');
    assert.equal(principal, 'user:bob@example.com');
    assert.deepEqual(
      (await server.runtime.store.list({ principal: 'user:ceo@example.com', limit: 10 })).records,
      [],
    );
  });

  test("users IAP verified see only their own operations: another's id answers like a missing one", async () => {
    const alice = await server.connect({ 'x-goog-iap-jwt-assertion': assertion() });
    const carol = await server.connect({
      'x-goog-iap-jwt-assertion': assertion({ email: 'carol@example.com' }),
    });
    const { id } = await generation(server, alice, 'Alice only');
    await assertHiddenFrom(alice, carol, id);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refusals: Array<[string, () => Array<[string, string]>, RegExp, string | undefined]> = [
    [
      'no assertion (a request that did not come through IAP)',
      () => [['X-Serverless-Authorization', agentToken]],
      /^Missing X-Goog-IAP-JWT-Assertion: this server takes the caller from the assertion Identity-Aware Proxy adds/,
      undefined,
    ],
    [
      'a valid Google ID token and no assertion',
      () => [['Authorization', idTokenFor('alice@example.com')]],
      /^Missing X-Goog-IAP-JWT-Assertion/,
      undefined,
    ],
    [
      'a forged assertion signed by another key',
      () => [['X-Goog-IAP-JWT-Assertion', iap.sign(iap.iapClaims(AUDIENCE), { key: 'other' })]],
      /^X-Goog-IAP-JWT-Assertion: the token signature does not verify\.$/,
      'invalid_token',
    ],
    [
      "an assertion for another service's audience",
      () => [
        [
          'X-Goog-IAP-JWT-Assertion',
          iap.sign(iap.iapClaims('/projects/123456789012/locations/us-central1/services/other-app')),
        ],
      ],
      /audience is not this service \(expected one of: \/projects\/123456789012\/locations\/us-central1\/services\/veo-mcp\)/,
      'invalid_token',
    ],
    [
      'an expired assertion',
      () => [['X-Goog-IAP-JWT-Assertion', assertion({ iat: now() - 1200, exp: now() - 600 })]],
      /the token has expired/,
      'invalid_token',
    ],
    [
      'an assertion from another issuer',
      () => [['X-Goog-IAP-JWT-Assertion', assertion({ iss: 'https://accounts.google.com' })]],
      /not issued by IAP/,
      'invalid_token',
    ],
    [
      'an unsigned assertion (alg none)',
      () => [['X-Goog-IAP-JWT-Assertion', TestIssuer.unsigned(iap.iapClaims(AUDIENCE))]],
      /unsigned or wrongly signed assertion refused \(IAP signs with ES256 only\)/,
      'invalid_token',
    ],
    [
      "an HS256 assertion keyed with IAP's public key",
      () => [['X-Goog-IAP-JWT-Assertion', iap.hmacForged(iap.iapClaims(AUDIENCE))]],
      /unsigned or wrongly signed assertion refused/,
      'invalid_token',
    ],
    [
      'a malformed assertion',
      () => [['X-Goog-IAP-JWT-Assertion', 'Bearer garbage']],
      /^X-Goog-IAP-JWT-Assertion must be one JWT/,
      'invalid_request',
    ],
    [
      'two assertions, one forged',
      () => [
        ['X-Goog-IAP-JWT-Assertion', assertion()],
        [
          'X-Goog-IAP-JWT-Assertion',
          iap.sign(iap.iapClaims(AUDIENCE, { email: 'ceo@example.com' }), { key: 'other' }),
        ],
      ],
      /^Send x-goog-iap-jwt-assertion once/,
      'invalid_request',
    ],
  ];
  for (const [name, headers, message, error] of refusals) {
    test(`refused with 401, nothing created or spent: ${name}`, async () => {
      const sent = headers();
      const answer = await assertRefused(server, principals, sent, message, error);
      assert.doesNotMatch(
        answer.headers['www-authenticate']!,
        /resource_metadata/,
        'IAP, not this server, signs callers in',
      );
      for (const [, value] of sent) {
        for (const part of value.split('.').filter((p) => p.length > 8)) {
          assert.ok(!JSON.stringify(answer).includes(part), 'no part of a credential is echoed');
        }
      }
    });
  }

  test('no protected resource metadata is served: clients sign in to IAP, not to this server', async () => {
    const answer = await rawRequest(server.url, [], '', 'GET', '/.well-known/oauth-protected-resource/mcp');
    assert.equal(answer.status, 404);
  });
});
