// cancel_video_operation over MCP with the real SDK client: a generation still waiting in line is never sent and
// costs nothing; one Veo accepted is cancelled here but Google may bill it, and the result says so; an ended one is
// left alone; ids that name none of the caller's operations change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { startTestServer, type TestServer, textOf, type View } from '../helpers/server.js';

describe('cancel_video_operation', () => {
  let server: TestServer;
  let client: Client;

  before(async () => {
    // One submit a minute: the second generation waits in line for the whole test.
    server = await startTestServer({ env: { VEO_SUBMITS_PER_MINUTE: '1' } });
    client = await server.connect();
  });
  after(() => server.close());

  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const usage = async () => {
    const { limits } = (await call('get_usage')).structuredContent as View;
    return (limits as View[]).find((l) => l['setting'] === 'DAILY_VIDEO_SECONDS_PER_PRINCIPAL')![
      'used'
    ] as number;
  };

  test('the tool is listed as destructive and idempotent', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'cancel_video_operation')!;
    assert.equal(tool.annotations?.destructiveHint, true);
    assert.equal(tool.annotations?.idempotentHint, true);
    assert.equal(tool.annotations?.readOnlyHint, false);
  });

  test('accepted by Veo: CANCELLED, says Google may still bill it, keeps its seconds; a second cancel changes nothing', async () => {
    const before = await usage();
    const running = (await call('generate_video', { prompt: 'a slow fox [sim:never]', duration_seconds: 4 }))
      .structuredContent as View;
    assert.equal(running.status, 'RUNNING');
    const result = await call('cancel_video_operation', { operation_id: running.operation_id });
    const view = result.structuredContent as View;
    assert.equal(result.isError, undefined, textOf(result));
    assert.equal(view.status, 'CANCELLED');
    assert.equal(view.cancelled, true);
    assert.equal(view.billing, 'may_be_billed');
    assert.match(textOf(result), /Veo had already accepted it and offers no cancel: Google may still bill/);
    assert.equal(await usage(), before + 4, 'its seconds stay counted');

    const again = (await call('cancel_video_operation', { operation_id: running.operation_id }))
      .structuredContent as View;
    assert.deepEqual([again.status, again.cancelled, again.billing], ['CANCELLED', false, 'unchanged']);
    assert.equal(await usage(), before + 4);
  });

  test('still waiting in line: never sent, nothing billed, its seconds back, its place given up', async () => {
    const submits = server.simulator.stats.submits;
    const waiting = (await call('generate_video', { prompt: 'a patient heron', duration_seconds: 4 }))
      .structuredContent as View;
    assert.equal(waiting.status, 'QUEUED', 'the minute is used up');
    const before = await usage();
    const result = await call('cancel_video_operation', { operation_id: waiting.operation_id });
    const view = result.structuredContent as View;
    assert.deepEqual([view.status, view.cancelled, view.billing], ['CANCELLED', true, 'not_billed']);
    assert.match(textOf(result), /before it was sent to the model: nothing was billed/);
    assert.equal(view.queue, undefined);
    assert.equal(await usage(), before - 4);
    const { models, default_model } = (await call('list_video_models')).structuredContent as View;
    const model = (models as View[]).find((m) => m['id'] === default_model)!;
    assert.equal(model['availability'].waiting, 0, 'its place in line is gone');
    assert.equal(server.simulator.stats.submits, submits, 'Veo never saw it');
  });

  test('an id that names none of your operations is NOT_FOUND and changes nothing', async () => {
    const before = await usage();
    for (const operation_id of ['01m8qedc00wjrb0c25gzzq4csv', '../../etc/passwd', '', 'x'.repeat(5000)]) {
      const result = await call('cancel_video_operation', { operation_id });
      assert.equal(result.isError, true);
      assert.match(
        textOf(result),
        /^NOT_FOUND: Invalid operation_id: .* does not name one of your operations/,
      );
    }
    const missing = await call('cancel_video_operation', {});
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /operation_id/);
    assert.equal(await usage(), before);
  });
});
