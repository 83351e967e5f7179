// The MCP Tasks extension (io.modelcontextprotocol/tasks, SEP-2663) as raw 2026-07-28 HTTP, exactly as the spec
// writes the messages (no SDK client): a starting tool answers with a task handle, tasks/get follows it to the
// inlined result, tasks/cancel and tasks/update acknowledge; and every refusal — undeclared extension, unknown or
// another principal's task, removed v1 methods, bad params — answers precisely and changes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { finished, startTestServer, type TestServer } from '../helpers/server.js';
import {
  apiKeyHashes,
  keyPrincipal,
  TASKS_EXTENSION,
  tasksRpc,
  type RpcOptions,
} from '../helpers/tasks-rpc.js';
import { WarpClock } from '../helpers/warp-clock.js';

const TASKS = TASKS_EXTENSION;
const DAY_MS = 86_400_000;

describe('MCP Tasks extension (SEP-2663) over raw 2026-07-28 HTTP', () => {
  let server: TestServer;
  const alice = randomBytes(16).toString('hex');
  const bob = randomBytes(16).toString('hex');
  const principalOf = keyPrincipal;

  before(async () => {
    // Generations followed to their end take the simulator's 0.2 s and the poller's 0.1-second steps: on a clock ten
    // times faster (the server's and the simulator's), a tenth of that. "[sim:delay=600]" keeps one running throughout.
    const clock = new WarpClock({ rate: 10 });
    server = await startTestServer({
      env: {
        AUTH_MODE: 'api_key',
        API_KEY_HASHES: apiKeyHashes(alice, bob),
        AUTH_CACHE_SECONDS: '0',
      },
      clock,
      simulator: { now: clock.epochMs },
    });
  });
  after(() => server.close());

  const rpc = (method: string, params: Record<string, unknown> = {}, options: RpcOptions = {}) =>
    tasksRpc(server.mcpUrl, method, params, { key: alice, ...options });

  const generate = (prompt: string, options: { key?: string; tasks?: boolean } = {}) =>
    rpc(
      'tools/call',
      { name: 'generate_video', arguments: { prompt, duration_seconds: 4, idempotency_key: randomKey() } },
      options,
    );
  const randomKey = () => `k-${randomBytes(6).toString('hex')}`;
  const recordsOf = async (key: string) =>
    (await server.runtime.operations.list({ principal: principalOf(key), limit: 100 })).records;

  test('server/discover advertises the extension under capabilities.extensions (no v1 capabilities.tasks)', async () => {
    const { result } = await rpc('server/discover', {}, { tasks: false });
    assert.deepEqual(result!['capabilities']['extensions'], { [TASKS]: {} });
    assert.equal(result!['capabilities']['tasks'], undefined);
  });

  test('generate_video answers with a task; tasks/get follows it to the inlined result; the task is the operation', async () => {
    const created = await generate('A lighthouse at dusk, waves rolling in');
    assert.equal(created.status, 200, JSON.stringify(created));
    const task = created.result!;
    // CreateTaskResult: flat Result & Task, resultType "task" (SEP-2663 "Task Creation").
    assert.equal(task['resultType'], 'task');
    assert.equal(task['status'], 'working');
    assert.match(task['taskId'], /^[0-9a-z]{26}$/);
    for (const absent of ['task', 'result', 'error', 'inputRequests', 'requestState', 'ttl', 'pollInterval'])
      assert.equal(absent in task, false, `CreateTaskResult carries no ${absent}`);
    assert.equal(task['structuredContent'], undefined, 'the operation itself comes with tasks/get');
    // The task is the operation: same id, same times, TTL = the record's retention (OPERATION_RETENTION_DAYS 30).
    const record = await server.runtime.operations.get(principalOf(alice), task['taskId']);
    assert.equal(task['createdAt'], record.createdAt);
    assert.equal(task['ttlMs'], 30 * DAY_MS);
    assert.ok(
      Number.isInteger(task['pollIntervalMs']) && task['pollIntervalMs'] >= 1000,
      task['pollIntervalMs'],
    );
    assert.match(task['statusMessage'], /^(QUEUED|RUNNING)/);

    // Durably created: tasks/get resolves at once (SEP-2663: MUST NOT return the handle before that).
    const working = await rpc('tasks/get', { taskId: task['taskId'] });
    assert.equal(working.result!['resultType'], 'complete');
    assert.equal(working.result!['taskId'], task['taskId']);
    assert.ok(['working', 'completed'].includes(working.result!['status']));

    assert.equal(await finished(server, task['taskId'], principalOf(alice)), 'SUCCEEDED');
    const done = await rpc('tasks/get', { taskId: task['taskId'] });
    assert.equal(done.status, 200);
    const detailed = done.result!;
    assert.equal(detailed['resultType'], 'complete');
    assert.equal(detailed['status'], 'completed');
    assert.equal(detailed['pollIntervalMs'], undefined, 'nothing more to poll');
    assert.equal(detailed['requestState'], undefined);
    // The result is what generate_video returns for an ended operation, links and all, without v1 related-task meta.
    const result = detailed['result'];
    assert.equal(result['structuredContent']['operation_id'], task['taskId']);
    assert.equal(result['structuredContent']['status'], 'SUCCEEDED');
    assert.equal(result['structuredContent']['idempotent_replay'], false);
    assert.equal(result['_meta']?.['io.modelcontextprotocol/related-task'], undefined);
    assert.ok(result['content'].some((c: { type: string }) => c.type === 'resource_link'));
    const video = await fetch(result['structuredContent']['videos'][0]['url']);
    assert.equal(video.status, 200);
    assert.equal(video.headers.get('content-type'), 'video/mp4');
  });

  test('extend_video and edit_video answer with tasks too, followed to their results', async () => {
    const call = (name: string, args: Record<string, unknown>) =>
      rpc('tools/call', { name, arguments: { ...args, idempotency_key: randomKey() } });
    const ended = async (taskId: string) => {
      assert.equal(await finished(server, taskId, principalOf(alice)), 'SUCCEEDED');
      const got = await rpc('tasks/get', { taskId });
      assert.equal(got.result!['status'], 'completed');
      return got.result!['result']['structuredContent'];
    };
    const veo = await call('generate_video', { prompt: 'a river', duration_seconds: 8 });
    await ended(veo.result!['taskId']);
    const extended = await call('extend_video', { video: veo.result!['taskId'], prompt: 'a boat appears' });
    assert.equal(extended.result!['resultType'], 'task', JSON.stringify(extended));
    const extension = await ended(extended.result!['taskId']);
    assert.equal(extension['mode'], 'extend');
    assert.equal(extension['lineage']['parent_operation_id'], veo.result!['taskId']);

    const omni = await call('generate_video', { prompt: 'a fox in a field', model: 'gemini-omni-1.2-flash' });
    await ended(omni.result!['taskId']);
    const edited = await call('edit_video', {
      operation_id: omni.result!['taskId'],
      prompt: 'make it night',
    });
    assert.equal(edited.result!['resultType'], 'task', JSON.stringify(edited));
    const edit = await ended(edited.result!['taskId']);
    assert.equal(edit['mode'], 'edit');
  });

  test('tasks/cancel acknowledges with an empty result, the task ends cancelled, and a repeat is the same ack', async () => {
    const created = await generate('A slow pan over a glacier [sim:delay=600]');
    const taskId = created.result!['taskId'] as string;
    const ack = await rpc('tasks/cancel', { taskId });
    assert.equal(ack.status, 200);
    assert.deepEqual(Object.keys(ack.result!).sort(), ['_meta', 'resultType']);
    assert.equal(ack.result!['resultType'], 'complete');
    const got = (await rpc('tasks/get', { taskId })).result!;
    assert.equal(got['status'], 'cancelled');
    assert.equal(got['result'], undefined);
    // What cancel_video_operation says: Veo had accepted it, so Google may still bill it.
    assert.match(got['statusMessage'], /^CANCELLED: Cancelled by the caller/);
    const record = await server.runtime.operations.get(principalOf(alice), taskId);
    assert.equal(record.status, 'CANCELLED');
    const again = await rpc('tasks/cancel', { taskId });
    assert.equal(again.result!['resultType'], 'complete');
    assert.equal(again.result!['taskId'], undefined);
  });

  test('tasks/update acknowledges and ignores responses: no input is ever outstanding', async () => {
    const created = await generate('A paper boat on a stream [sim:delay=600]');
    const taskId = created.result!['taskId'] as string;
    const before = await server.runtime.operations.get(principalOf(alice), taskId);
    const ack = await rpc('tasks/update', { taskId, inputResponses: { never: { action: 'accept' } } });
    assert.equal(ack.result!['resultType'], 'complete');
    assert.equal(ack.result!['status'], undefined);
    const after = await server.runtime.operations.get(principalOf(alice), taskId);
    assert.equal(after.status, before.status);
    await rpc('tasks/cancel', { taskId });
  });

  test('without the extension a starting tool answers as today: the operation, no task handle', async () => {
    const plain = await generate('A kite over a beach', { tasks: false });
    assert.equal(plain.result!['resultType'], 'complete');
    assert.equal(plain.result!['taskId'], undefined);
    assert.match(plain.result!['structuredContent']['operation_id'], /^[0-9a-z]{26}$/);
    assert.equal(plain.result!['structuredContent']['idempotent_replay'], false);
  });

  test('an idempotent replay of an ended operation is answered in full at once, not as a task', async () => {
    const key = randomKey();
    const args = { prompt: 'A candle flickering', duration_seconds: 4, idempotency_key: key };
    const first = await rpc('tools/call', { name: 'generate_video', arguments: args });
    assert.equal(await finished(server, first.result!['taskId'], principalOf(alice)), 'SUCCEEDED');
    const replay = await rpc('tools/call', { name: 'generate_video', arguments: args });
    assert.equal(replay.result!['resultType'], 'complete');
    assert.equal(replay.result!['structuredContent']['operation_id'], first.result!['taskId']);
    assert.equal(replay.result!['structuredContent']['idempotent_replay'], true);
  });

  describe('refusals (each changes nothing)', () => {
    test('tasks/get, tasks/update, tasks/cancel without the extension: -32021 naming the extension', async () => {
      const created = await generate('A windmill turning [sim:delay=600]');
      const taskId = created.result!['taskId'] as string;
      for (const [method, params] of [
        ['tasks/get', { taskId }],
        ['tasks/update', { taskId, inputResponses: {} }],
        ['tasks/cancel', { taskId }],
      ] as const) {
        const answer = await rpc(method, params, { tasks: false });
        assert.equal(answer.error?.code, -32021, `${method}: ${JSON.stringify(answer)}`);
        assert.match(answer.error!.message, /declare the io\.modelcontextprotocol\/tasks extension/);
        assert.deepEqual(answer.error!.data, { requiredCapabilities: { extensions: { [TASKS]: {} } } });
        assert.ok(answer.status >= 400 && answer.status < 500, `${method}: HTTP ${answer.status}`);
      }
      const record = await server.runtime.operations.get(principalOf(alice), taskId);
      assert.notEqual(record.status, 'CANCELLED', 'the refused tasks/cancel cancelled nothing');
      await rpc('tasks/cancel', { taskId });
    });

    test("another principal's task answers exactly like a missing one, and is left alone", async () => {
      const created = await generate('A fox in the snow [sim:delay=600]');
      const taskId = created.result!['taskId'] as string;
      const missing = await rpc('tasks/get', { taskId: '01aaaaaaaaaaaaaaaaaaaaaaaa' }, { key: bob });
      for (const [method, params] of [
        ['tasks/get', { taskId }],
        ['tasks/update', { taskId, inputResponses: {} }],
        ['tasks/cancel', { taskId }],
      ] as const) {
        const answer = await rpc(method, params, { key: bob });
        assert.equal(answer.error?.code, -32602, `${method}: ${JSON.stringify(answer)}`);
        assert.equal(
          answer.error!.message,
          missing.error!.message.replace('01aaaaaaaaaaaaaaaaaaaaaaaa', taskId),
          'the same words as for a task that does not exist',
        );
      }
      assert.match(
        missing.error!.message,
        /^Failed to retrieve task: Invalid operation_id: .* does not name one of your operations/,
      );
      const record = await server.runtime.operations.get(principalOf(alice), taskId);
      assert.notEqual(record.status, 'CANCELLED', "bob's tasks/cancel did not cancel alice's task");
      assert.equal((await recordsOf(bob)).length, 0, 'bob has no operations');
      await rpc('tasks/cancel', { taskId });
    });

    test('malformed and unknown task ids: -32602', async () => {
      for (const taskId of ['../etc', 'x'.repeat(300), '', '01AAAAAAAAAAAAAAAAAAAAAAAA']) {
        const answer = await rpc('tasks/get', { taskId });
        assert.equal(answer.error?.code, -32602, `${JSON.stringify(taskId)}: ${JSON.stringify(answer)}`);
      }
    });

    test('bad params: tasks/get without taskId, tasks/update without inputResponses', async () => {
      const missing = await rpc('tasks/get', {});
      assert.equal(missing.error?.code, -32602);
      assert.match(missing.error!.message, /taskId/);
      const created = await generate('A hummingbird [sim:delay=600]');
      const taskId = created.result!['taskId'] as string;
      const bad = await rpc('tasks/update', { taskId });
      assert.equal(bad.error?.code, -32602);
      assert.match(bad.error!.message, /inputResponses/);
      await rpc('tasks/cancel', { taskId });
    });

    test('a starting call refused for its arguments is the usual isError result, no task, nothing created', async () => {
      const before = (await recordsOf(alice)).length;
      const refused = await rpc('tools/call', {
        name: 'generate_video',
        arguments: { prompt: 'too long', duration_seconds: 99, idempotency_key: randomKey() },
      });
      assert.equal(refused.result!['resultType'], 'complete');
      assert.equal(refused.result!['isError'], true);
      assert.equal(refused.result!['taskId'], undefined);
      assert.match(refused.result!['content'][0]['text'], /duration_seconds/);
      assert.equal((await recordsOf(alice)).length, before, 'no operation, so no task');
    });

    test('tasks/result and tasks/list are removed in SEP-2663: -32601', async () => {
      for (const method of ['tasks/result', 'tasks/list']) {
        const answer = await rpc(method, method === 'tasks/list' ? {} : { taskId: 'x' });
        assert.equal(answer.error?.code, -32601, `${method}: ${JSON.stringify(answer)}`);
      }
    });

    test('an Mcp-Name header that disagrees with params.taskId is refused by the transport (-32020)', async () => {
      const created = await generate('A lantern [sim:delay=600]');
      const taskId = created.result!['taskId'] as string;
      const answer = await rpc('tasks/cancel', { taskId }, { headers: { 'mcp-name': 'someone-else' } });
      assert.equal(answer.error?.code, -32020);
      const record = await server.runtime.operations.get(principalOf(alice), taskId);
      assert.notEqual(record.status, 'CANCELLED');
      await rpc('tasks/cancel', { taskId });
    });

    test('a 2025-era client gets no tasks: tools/call answers as today, tasks/get is not a method there', async () => {
      const client = await server.connect({ 'x-api-key': alice }, 'legacy');
      const result = await client.callTool({
        name: 'generate_video',
        arguments: { prompt: 'A legacy call', duration_seconds: 4, idempotency_key: randomKey() },
      });
      assert.equal((result as { taskId?: string }).taskId, undefined);
      assert.match(
        String((result.structuredContent as { operation_id: string }).operation_id),
        /^[0-9a-z]{26}$/,
      );
      const answer = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          'x-api-key': alice,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tasks/get', params: { taskId: 'x' } }),
      });
      const body = (await answer.json()) as { error?: { code: number } };
      assert.equal(body.error?.code, -32601, JSON.stringify(body));
    });
  });
});
