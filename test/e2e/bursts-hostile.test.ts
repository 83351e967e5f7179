// Hostile callers of a paced model over MCP (real SDK clients, API keys): another principal learns nothing of a
// waiting generation but the line's length, and the per-principal queue cap refuses one caller, naming the cap,
// without creating, reserving or sending anything, and without holding back anyone else.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { newApiKey } from '../../functions/src/auth/api-keys.js';
import { startTestServer, type TestServer, textOf, type View } from '../helpers/server.js';

describe('a paced model and hostile callers over MCP', () => {
  let server: TestServer;
  let alice: Client;
  let bob: Client;
  const SECRET_PROMPT = 'alice-secret-prompt-7f3a';

  before(async () => {
    server = await startTestServer({
      env: {
        AUTH_MODE: 'api_key',
        AUTH_CACHE_SECONDS: '0',
        // Required with the memory store; the keys below are made in the store.
        API_KEY_HASHES: createHash('sha256').update('unused-legacy-key').digest('hex'),
        // One submit a minute: everything after the first waits for the whole test.
        VEO_SUBMITS_PER_MINUTE: '1',
        MAX_QUEUED_OPERATIONS_PER_PRINCIPAL: '2',
      },
    });
    const key = async (principal: string) => {
      const made = newApiKey(principal, new Date(), 1);
      await server.runtime.apiKeys.create(made.record);
      return { Authorization: `Bearer ${made.key}` };
    };
    alice = await server.connect(await key('alice'));
    bob = await server.connect(await key('bob'));
  });
  after(() => server?.close());

  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const generate = (client: Client, prompt: string) =>
    call(client, 'generate_video', { prompt, duration_seconds: 4 });
  const operations = async (client: Client) =>
    ((await call(client, 'list_video_operations', { status: 'QUEUED' })).structuredContent as View)[
      'operations'
    ] as View[];

  test('the cap refuses the third waiting generation naming MAX_QUEUED_OPERATIONS_PER_PRINCIPAL; nothing else changes', async () => {
    const first = (await generate(alice, 'first')).structuredContent as View;
    assert.equal(first.status, 'RUNNING', 'the minute had room for one');
    const waiting: View[] = [];
    for (const prompt of [SECRET_PROMPT, 'second in line']) {
      const view = (await generate(alice, prompt)).structuredContent as View;
      assert.equal(view.status, 'QUEUED');
      assert.equal(view.queue.reason, 'paced');
      waiting.push(view);
    }
    const usageBefore = (await call(alice, 'get_usage')).structuredContent as View;
    const submitsBefore = server.simulator.stats.submits;

    const refused = await generate(alice, 'one too many');
    assert.equal(refused.isError, true);
    assert.match(
      textOf(refused),
      /MAX_QUEUED_OPERATIONS_PER_PRINCIPAL reached: 2 of your generations with .* are waiting .*\(limit 2\)/,
    );
    assert.equal((await operations(alice)).length, 2, 'no record');
    const usageAfter = (await call(alice, 'get_usage')).structuredContent as View;
    const daily = (usage: View) =>
      (usage['limits'] as View[]).find((l) => l['setting'] === 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL')!['used'];
    assert.equal(daily(usageBefore), 12, 'three generations of 4 s reserved');
    assert.equal(daily(usageAfter), 12, 'no seconds reserved for the refused one');
    assert.equal(server.simulator.stats.submits, submitsBefore, 'nothing sent');

    // The cap is Alice's: Bob is still accepted (and waits his turn).
    const bobs = (await generate(bob, 'bob waits too')).structuredContent as View;
    assert.equal(bobs.status, 'QUEUED');
  });

  test("another principal learns the line's length, never a waiting generation's id, prompt or error", async () => {
    const aliceWaiting = await operations(alice);
    assert.ok(aliceWaiting.length >= 1);
    const listed = await call(bob, 'list_video_models');
    const listedText = JSON.stringify(listed.structuredContent) + textOf(listed);
    for (const op of aliceWaiting) assert.ok(!listedText.includes(op['operation_id']), 'no operation id');
    assert.ok(!listedText.includes(SECRET_PROMPT), 'no prompt');
    assert.ok(!listedText.includes('alice'), 'no principal');
    const models = (listed.structuredContent as View)['models'] as View[];
    assert.ok(
      models.some((m) => m['availability']?.['waiting'] >= 3),
      'the length of the line (all callers) is shown',
    );

    const peek = await call(bob, 'get_video_operation', { operation_id: aliceWaiting[0]!['operation_id'] });
    assert.equal(peek.isError, true);
    assert.match(textOf(peek), /does not name one of your operations/);
    assert.ok(!textOf(peek).includes(SECRET_PROMPT));
    assert.ok(
      (await operations(bob)).every(
        (op) => !aliceWaiting.some((a) => a['operation_id'] === op['operation_id']),
      ),
      "Bob's list holds none of Alice's",
    );
  });
});
