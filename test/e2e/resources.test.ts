// Operations as MCP resources (veo-mcp://operations/{id}), over real HTTP with real SDK clients of both generations:
// the capability, the template, resources/list of the caller's operations and resources/read returning the
// get_video_operation view with freshly signed links (a read after the link expired gives a working one). Another
// principal's operation, unknown ids and malformed URIs answer the same resource-not-found error and change nothing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ProtocolError, type CallToolResult, type Client } from '@modelcontextprotocol/client';
import { newApiKey } from '../../functions/src/auth/api-keys.js';
import { InProcessCompletionSink } from '../../functions/src/queue/inprocess.js';
import { readMp4 } from '../helpers/mp4.js';
import { ShiftedClock } from '../helpers/shifted-clock.js';
import { countStoreReads } from '../helpers/store-reads.js';
import { PROTOCOL_ERAS, startTestServer, textOf, type TestServer, type View } from '../helpers/server.js';

const TEMPLATE = 'veo-mcp://operations/{id}';
const uriOf = (id: string) => `veo-mcp://operations/${id}`;
const TTL_SECONDS = 60;

describe('operation resources', () => {
  let server: TestServer;
  const clock = new ShiftedClock();
  const keys: Record<'alice' | 'bob' | 'carol', string> = { alice: '', bob: '', carol: '' };
  /** Alice's finished operation, started once for the suite. */
  let aliceOp: string;

  /** Resolves once the operation's completion event is out (an event, not a sleep). */
  async function finished(id: string): Promise<void> {
    const completions = server.runtime.completions as InProcessCompletionSink;
    let unsubscribe = () => {};
    const done = new Promise<void>((resolve) => {
      unsubscribe = completions.subscribe((event) => {
        if (event.operation_id === id) resolve();
      });
    });
    try {
      if ((await server.runtime.store.get(id))?.completionPublishedAt) return;
      await done;
    } finally {
      unsubscribe();
    }
  }

  async function start(client: Client, prompt: string): Promise<string> {
    const result = (await client.callTool({
      name: 'generate_video',
      arguments: { prompt, duration_seconds: 4 },
    })) as CallToolResult;
    assert.equal(result.isError, undefined, textOf(result));
    return (result.structuredContent as View).operation_id as string;
  }

  const connect = (who: keyof typeof keys, era: (typeof PROTOCOL_ERAS)[number] = 'modern') =>
    server.connect({ 'x-api-key': keys[who] }, era);

  before(async () => {
    server = await startTestServer({
      env: {
        AUTH_MODE: 'api_key',
        // Required with the memory store; the keys used here are made in its key store below.
        API_KEY_HASHES: createHash('sha256').update('unused-legacy-key').digest('hex'),
        SIGNED_URL_TTL_SECONDS: String(TTL_SECONDS),
        // Generations here are only waited for (by the suite's setup and the paging test): a 0.02-second simulator
        // polled first after 0.02 s ends them at once. Nothing here depends on how long they run.
        POLL_INITIAL_DELAY_SECONDS: '0.02',
      },
      simulator: { delaySeconds: 0.02 },
      clock,
    });
    for (const who of Object.keys(keys) as Array<keyof typeof keys>) {
      const made = newApiKey(who, new Date());
      await server.runtime.apiKeys!.create(made.record);
      keys[who] = made.key;
    }
    aliceOp = await start(await connect('alice'), 'A lighthouse at dawn');
    await finished(aliceOp);
  });
  after(() => server?.close());

  for (const era of PROTOCOL_ERAS) {
    describe(`${era} SDK v2 client`, () => {
      test('the server declares resources (no subscribe, no listChanged) and lists the operation template', async () => {
        const client = await connect('alice', era);
        assert.deepEqual(client.getServerCapabilities()?.resources, { listChanged: false });
        const { resourceTemplates } = await client.listResourceTemplates();
        assert.equal(resourceTemplates.length, 1);
        assert.equal(resourceTemplates[0]!.uriTemplate, TEMPLATE);
        assert.equal(resourceTemplates[0]!.mimeType, 'application/json');
      });

      test("resources/list lists the caller's operations newest first, named as the tool results link them", async () => {
        const client = await connect('alice', era);
        const newer = await start(client, `A second video (${era})`);
        const { resources } = await client.listResources();
        const ids = (
          await server.runtime.operations.list({ principal: 'key:alice', limit: 100 })
        ).records.map((r) => r.id);
        assert.deepEqual(
          resources.map((r) => r.uri),
          ids.map(uriOf),
        );
        assert.equal(resources[0]!.uri, uriOf(newer));

        const got = (await client.callTool({
          name: 'get_video_operation',
          arguments: { operation_id: aliceOp },
        })) as CallToolResult;
        const link = got.content.find((c) => c.type === 'resource_link' && c.mimeType === 'application/json');
        const listed = resources.find((r) => r.uri === uriOf(aliceOp))!;
        assert.ok(link && link.type === 'resource_link', JSON.stringify(got.content));
        assert.deepEqual(
          { uri: link.uri, name: link.name, title: link.title, mimeType: link.mimeType },
          { uri: listed.uri, name: listed.name, title: listed.title, mimeType: listed.mimeType },
        );
        assert.equal(listed.name, `operation-${aliceOp}`);
        assert.match(listed.title ?? '', /^SUCCEEDED: "A lighthouse at dawn"/);
        assert.equal((got.structuredContent as View).resource_uri, uriOf(aliceOp));
        assert.match(textOf(got), new RegExp(`resource: ${uriOf(aliceOp)}`));
      });

      test('resources/read returns the get_video_operation view, with the same signed links at the same instant', async () => {
        const client = await connect('alice', era);
        clock.freeze();
        try {
          const read = await client.readResource({ uri: uriOf(aliceOp) });
          assert.equal(read.contents.length, 1);
          const content = read.contents[0]!;
          assert.equal(content.uri, uriOf(aliceOp));
          assert.equal(content.mimeType, 'application/json');
          assert.ok('text' in content);
          const view = JSON.parse(content.text) as View;
          const got = (await client.callTool({
            name: 'get_video_operation',
            arguments: { operation_id: aliceOp },
          })) as CallToolResult;
          assert.deepEqual(view, got.structuredContent);
          assert.equal(view.status, 'SUCCEEDED');
          assert.equal(view.videos.length, 1);
          const videoLink = got.content.find((c) => c.type === 'resource_link' && c.mimeType === 'video/mp4');
          assert.ok(videoLink && videoLink.type === 'resource_link');
          assert.equal(videoLink.uri, view.videos[0].url);
        } finally {
          clock.resume();
        }
      });
    });
  }

  test('raw 2026-07-28 HTTP: cache hints per method, and a miss is -32602 with data.uri (no SDK)', async () => {
    const rpc = async (method: string, params: Record<string, unknown>, who: keyof typeof keys = 'alice') => {
      const response = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          ...(typeof params['uri'] === 'string' ? { 'mcp-name': params['uri'] } : {}),
          'x-api-key': keys[who],
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 3,
          method,
          params: {
            ...params,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientInfo': { name: 'raw-http', version: '1.0.0' },
              'io.modelcontextprotocol/clientCapabilities': {},
            },
          },
        }),
      });
      return { status: response.status, body: (await response.json()) as View };
    };
    const templates = await rpc('resources/templates/list', {});
    assert.equal(templates.status, 200);
    assert.equal(templates.body.result.resourceTemplates[0].uriTemplate, TEMPLATE);
    assert.deepEqual([templates.body.result.ttlMs, templates.body.result.cacheScope], [300_000, 'public']);
    const list = await rpc('resources/list', {});
    assert.deepEqual([list.body.result.ttlMs, list.body.result.cacheScope], [0, 'private']);
    const read = await rpc('resources/read', { uri: uriOf(aliceOp) });
    assert.deepEqual([read.body.result.ttlMs, read.body.result.cacheScope], [0, 'private']);
    assert.equal(JSON.parse(read.body.result.contents[0].text).operation_id, aliceOp);
    const miss = await rpc('resources/read', { uri: uriOf(aliceOp) }, 'bob');
    assert.equal(miss.status, 200, 'a JSON-RPC error, not an HTTP failure');
    assert.equal(miss.body.error.code, -32602);
    assert.deepEqual(miss.body.error.data, { uri: uriOf(aliceOp) });
    assert.equal(miss.body.result, undefined);
  });

  test('the old v1 SDK client (2025 handshake) lists and reads operations too', async () => {
    const client = new V1Client({ name: 'v1-client', version: '1.0.0' });
    await client.connect(
      new V1Transport(new URL(server.mcpUrl), { requestInit: { headers: { 'x-api-key': keys.alice } } }),
    );
    try {
      assert.deepEqual(client.getServerCapabilities()?.resources, { listChanged: false });
      const { resources } = await client.listResources();
      assert.ok(resources.some((r) => r.uri === uriOf(aliceOp)));
      const read = await client.readResource({ uri: uriOf(aliceOp) });
      const view = JSON.parse((read.contents[0] as { text: string }).text) as View;
      assert.equal(view.operation_id, aliceOp);
      assert.equal((await fetch(view.videos[0].url)).status, 200);
      const { resourceTemplates } = await client.listResourceTemplates();
      assert.deepEqual(
        resourceTemplates.map((t) => t.uriTemplate),
        [TEMPLATE],
      );
    } finally {
      await client.close();
    }
  });

  test('a read after the signed link expired gives a new link that works; the old one stays refused', async () => {
    const client = await connect('alice');
    const readView = async () => {
      const read = await client.readResource({ uri: uriOf(aliceOp) });
      return JSON.parse((read.contents[0] as { text: string }).text) as View;
    };
    const t0 = clock.freeze();
    try {
      const first = await readView();
      const old = first.videos[0].url as string;
      assert.equal(
        first.videos[0].expires_at,
        new Date(Math.floor(t0.getTime() / 1000 + TTL_SECONDS) * 1000).toISOString(),
      );
      assert.equal((await fetch(old)).status, 200);

      clock.advance((TTL_SECONDS + 1) * 1000);
      const expired = await fetch(old);
      assert.equal(expired.status, 403);
      assert.match(await expired.text(), /link expired/);

      const second = await readView();
      const fresh = second.videos[0].url as string;
      assert.notEqual(fresh, old);
      assert.ok(second.videos[0].expires_at > first.videos[0].expires_at);
      assert.equal(second.videos[0].uri, first.videos[0].uri, 'the same video');
      const download = await fetch(fresh);
      assert.equal(download.status, 200);
      assert.equal(readMp4(Buffer.from(await download.arrayBuffer())).durationSeconds, 4);
      assert.equal((await fetch(old)).status, 403, 'a new link does not revive the old one');
    } finally {
      clock.resume();
    }
  });

  describe('hostile reads', () => {
    // Footprints compare whole records: first let every generation started so far end, so the poller finishing one
    // in the background is not mistaken for a change made by a read.
    before(async () => {
      for (const principal of ['key:alice', 'key:bob', 'key:carol']) {
        const { records } = await server.runtime.operations.list({ principal, limit: 100 });
        for (const record of records) await finished(record.id);
      }
    });

    /** What a refused read answered: the JSON-RPC code, message and data. */
    async function refusal(client: Client, uri: string) {
      const err = await client.readResource({ uri }).then(
        (r) => assert.fail(`read ${uri} answered ${JSON.stringify(r)}`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProtocolError, String(err));
      return { code: err.code, message: err.message, data: err.data };
    }

    /** Everything a read could change: every record of every principal, and each principal's usage counters. */
    async function footprint() {
      const records = await Promise.all(
        ['key:alice', 'key:bob', 'key:carol'].map(
          async (p) => (await server.runtime.operations.list({ principal: p, limit: 100 })).records,
        ),
      );
      const usage = await Promise.all(
        ['key:alice', 'key:bob'].map(async (p) => (await server.runtime.operations.usage(p)).usage),
      );
      return { records, usage };
    }

    test("another principal's operation answers exactly like a missing one: -32602 with data.uri", async () => {
      const bob = await connect('bob');
      const missing = '01jz0000000000000000000000';
      clock.freeze();
      try {
        const before = await footprint();
        const theirs = await refusal(bob, uriOf(aliceOp));
        const none = await refusal(bob, uriOf(missing));
        assert.equal(theirs.code, -32602);
        assert.deepEqual(theirs.data, { uri: uriOf(aliceOp) });
        assert.deepEqual(none.data, { uri: uriOf(missing) });
        assert.equal(none.code, theirs.code);
        assert.equal(none.message.replace(missing, 'ID'), theirs.message.replace(aliceOp, 'ID'));
        assert.match(theirs.message, /not one of your operations.*resources\/list lists them/);
        assert.doesNotMatch(theirs.message, /alice/);

        const after = await footprint();
        assert.deepEqual(after.records, before.records, 'no record changed');
        assert.deepEqual(after.usage[0], before.usage[0], "the owner's counters did not move");
        // Both reads named a possible operation and read the store: each counted once, alike.
        assert.deepEqual(after.usage[1], {
          ...before.usage[1],
          callsThisMinute: before.usage[1]!.callsThisMinute + 2,
        });
      } finally {
        clock.resume();
      }
    });

    const MALFORMED = [
      'veo-mcp://operations/not-an-id',
      'veo-mcp://operations/01JZ0000000000000000000000',
      'veo-mcp://operations/01jz000000000000000000000',
      'veo-mcp://operations/01jz00000000000000000000000',
      `veo-mcp://operations/${'0'.repeat(5000)}`,
      'veo-mcp://operations/',
      'veo-mcp://operations/01jz0000000000000000000000/video-0.mp4',
      'veo-mcp://operations/01jz0000000000000000000000?status=SUCCEEDED',
      'veo-mcp://other/01jz0000000000000000000000',
      'file:///etc/passwd',
      'https://storage.googleapis.com/bucket/video.mp4',
      'test://nonexistent-resource-for-conformance-testing',
    ];

    test(`${MALFORMED.length} malformed or foreign URIs answer resource-not-found, read nothing and count nothing`, async () => {
      const bob = await connect('bob');
      clock.freeze();
      try {
        const before = await footprint();
        const counter = countStoreReads(server.runtime.store);
        try {
          for (const uri of MALFORMED) {
            const answer = await refusal(bob, uri);
            assert.equal(answer.code, -32602, uri);
            assert.deepEqual(answer.data, { uri }, uri);
          }
        } finally {
          counter.restore();
        }
        assert.equal(counter.reads, 0, 'the store was not read');
        assert.deepEqual(await footprint(), before, 'no record and no counter changed');
      } finally {
        clock.resume();
      }
    });

    test('a store failure during a read is -32603 with a reference, never the failure itself', async () => {
      const alice = await connect('alice');
      const store = server.runtime.store;
      const get = store.get.bind(store);
      store.get = () => Promise.reject(new Error('firestore unavailable: projects/secret-project/databases'));
      try {
        const answer = await refusal(alice, uriOf(aliceOp));
        assert.equal(answer.code, -32603);
        assert.match(
          answer.message,
          /^INTERNAL: resources\/read failed unexpectedly \(reference [0-9a-f-]{36}\)\.$/,
        );
        assert.doesNotMatch(JSON.stringify(answer), /secret-project/);
      } finally {
        store.get = get;
      }
      const read = await alice.readResource({ uri: uriOf(aliceOp) });
      assert.equal(read.contents.length, 1, 'the next read works');
    });

    test('a URI that is not a URI at all is Invalid Params, and changes nothing', async () => {
      const bob = await connect('bob');
      const before = await footprint();
      const answer = await refusal(bob, 'not a uri');
      assert.equal(answer.code, -32602);
      assert.match(answer.message, /not a uri/);
      assert.deepEqual((await footprint()).records, before.records);
    });

    test('a forged or overlong resources/list cursor is Invalid Params naming the cursor', async () => {
      const bob = await connect('bob');
      for (const cursor of ['bm90LWFuLWlk', 'x'.repeat(5000)]) {
        const err = await bob.listResources({ cursor }).then(
          () => assert.fail('listed'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof ProtocolError);
        assert.equal(err.code, -32602);
        assert.match(
          err.message,
          /^Invalid cursor ".*": pass the nextCursor of a previous resources\/list result\.$/,
        );
      }
    });
  });

  test('resources/list pages through all of the caller’s operations, 50 at a time, newest first', async () => {
    const carol = await connect('carol');
    const started: string[] = [];
    // Paging lists records whatever their status: these fail as soon as they are polled ([sim:error]), which spares
    // making and storing 51 videos.
    for (let i = 0; i < 51; i++) started.push(await start(carol, `Video ${i} [sim:error]`));
    const newestFirst = [...started].reverse().map(uriOf);
    // The v1 client returns each page as the server sent it; the v2 client walks the pages itself.
    const v1 = new V1Client({ name: 'v1-client', version: '1.0.0' });
    await v1.connect(
      new V1Transport(new URL(server.mcpUrl), { requestInit: { headers: { 'x-api-key': keys.carol } } }),
    );
    try {
      const first = await v1.listResources();
      assert.equal(first.resources.length, 50);
      assert.ok(first.nextCursor);
      const second = await v1.listResources({ cursor: first.nextCursor });
      assert.equal(second.nextCursor, undefined);
      assert.deepEqual(
        [...first.resources, ...second.resources].map((r) => r.uri),
        newestFirst,
      );
    } finally {
      await v1.close();
    }
    const all = await carol.listResources();
    assert.deepEqual(
      all.resources.map((r) => r.uri),
      newestFirst,
    );
    await Promise.all(started.map(finished));
  });
});

describe('operation resources count against the per-minute call limit', () => {
  let server: TestServer;
  after(() => server?.close());

  test('resources/read and resources/list count like tool calls; over the limit they are refused and read nothing', async () => {
    const clock = new ShiftedClock();
    clock.freeze(new Date('2026-12-01T10:00:30.000Z'));
    server = await startTestServer({ env: { REQUESTS_PER_MINUTE_PER_PRINCIPAL: '3' }, clock });
    const client = await server.connect();
    const started = (await client.callTool({
      name: 'generate_video',
      arguments: { prompt: 'A kite', duration_seconds: 4 },
    })) as CallToolResult;
    const id = (started.structuredContent as View).operation_id as string;
    const calls = async () => (await server.runtime.operations.usage('local')).usage.callsThisMinute;
    assert.equal(await calls(), 1);
    await client.listResourceTemplates();
    assert.equal(await calls(), 1, 'templates/list reads nothing and is not counted');
    await client.listResources({});
    assert.equal(await calls(), 2);
    await client.readResource({ uri: uriOf(id) });
    assert.equal(await calls(), 3);
    for (const refused of [() => client.readResource({ uri: uriOf(id) }), () => client.listResources({})]) {
      const err = await refused().then(
        () => assert.fail('answered over the limit'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProtocolError);
      assert.equal(err.code, -32600);
      assert.match(err.message, /^LIMIT_EXCEEDED: REQUESTS_PER_MINUTE_PER_PRINCIPAL/);
    }
    assert.equal(await calls(), 3, 'refusals count nothing');
    clock.advance(60_000);
    await client.readResource({ uri: uriOf(id) });
    assert.equal(await calls(), 1, 'a new minute');
  });
});
