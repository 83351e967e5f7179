// Every fault the simulator injects leads to the documented status and message, on both wire protocols.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { finished, startTestServer, type TestServer, textOf } from '../helpers/server.js';
import { WarpClock } from '../helpers/warp-clock.js';

/** How far the deadline tests move time on: past the 3-second deadline and any retry pending before it. */
const PAST_THE_DEADLINE_MS = 10_000;

// Each test has its own server, so they run side by side and the simulator's counts they assert are theirs alone.
describe('Veo faults on the Vertex AI wire protocol', { concurrency: true }, () => {
  /**
   * A server of the test's own, closed when the test ends. `clock`: the deadline tests' clock, which they move past a
   * 3-second deadline. `slow`: a 2-second Veo timeout against the simulator's 5-second "slow" responses. Only these
   * tests shorten the timeout and the deadline, which are real time otherwise: twelve servers side by side on a busy
   * machine can take more than a second to answer, and must not time out where the test expects none.
   */
  async function open(t: TestContext, clock?: WarpClock, { slow = false } = {}) {
    const server: TestServer = await startTestServer({
      env: {
        ...(slow ? { VEO_TIMEOUT_SECONDS: '2' } : {}),
        ...(clock ? { VEO_OPERATION_DEADLINE_SECONDS: '3' } : {}),
      },
      simulator: slow ? { slowMs: 5000 } : {},
      clock,
    });
    t.after(() => server.close());
    const client: Client = await server.connect();

    async function generate(prompt: string, extra: Record<string, unknown> = {}): Promise<CallToolResult> {
      return (await client.callTool({
        name: 'generate_video',
        arguments: { prompt, duration_seconds: 4, ...extra },
      })) as CallToolResult;
    }

    async function followToEnd(prompt: string, extra: Record<string, unknown> = {}) {
      const started = await generate(prompt, extra);
      assert.equal(started.isError, undefined, textOf(started));
      const id = (started.structuredContent as { operation_id: string }).operation_id;
      const end = finished(server, id);
      // On a deadline test's clock, past the deadline at once rather than 3 seconds from now.
      clock?.jump(PAST_THE_DEADLINE_MS);
      await end;
      const result = (await client.callTool({
        name: 'get_video_operation',
        arguments: { operation_id: id },
      })) as CallToolResult;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions below read arbitrary view fields
      return { id, result, view: result.structuredContent as Record<string, any> };
    }

    async function failedSubmit(prompt: string, code: RegExp) {
      const before = server.simulator.stats.submits;
      const result = await generate(prompt);
      assert.equal(result.isError, true);
      assert.match(textOf(result), code);
      assert.match(textOf(result), /recorded as FAILED/);
      assert.equal(server.simulator.stats.submits, before, 'Veo accepted nothing');
      const listed = (await client.callTool({
        name: 'list_video_operations',
        arguments: { status: 'FAILED', limit: 1 },
      })) as CallToolResult;
      const [latest] = (listed.structuredContent as { operations: Array<{ status: string; prompt: string }> })
        .operations;
      assert.equal(latest!.prompt, prompt);
      return textOf(result);
    }

    return { server, client, generate, followToEnd, failedSubmit };
  }

  // The retries' backoff itself is the domain's (test/unit/operations/admission.test.ts, "Veo 429 on a submit"); over
  // the wire, the refused submit leaves the generation waiting in line, and the deadline ends it unbilled.
  test('Veo 429 on submit: accepted as QUEUED (quota) to be retried, never FAILED; EXPIRED unbilled at the deadline', async (t) => {
    const clock = new WarpClock();
    const { server, client, generate } = await open(t, clock);
    const before = server.simulator.stats.submits;
    const started = await generate('A fox [sim:submit-429]');
    assert.equal(started.isError, undefined, textOf(started));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read view fields
    const view = started.structuredContent as Record<string, any>;
    assert.equal(view.status, 'QUEUED');
    assert.equal(view.queue.reason, 'quota');
    assert.equal(view.queue.attempts, 1);
    assert.match(view.queue.last_error, /429/);
    assert.match(
      textOf(started),
      /^Accepted video generation .*waits for its turn at veo-3\.1-fast-generate-001 \(quota\)/,
    );
    assert.match(textOf(started), /Nothing has been sent or billed yet/);
    const end = finished(server, view.operation_id);
    // Past the deadline at once, rather than waiting 3 seconds for it: the retry pending then finds it passed.
    clock.jump(PAST_THE_DEADLINE_MS);
    await end;
    const ended = (await client.callTool({
      name: 'get_video_operation',
      arguments: { operation_id: view.operation_id },
    })) as CallToolResult;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read view fields
    const done = ended.structuredContent as Record<string, any>;
    assert.equal(done.status, 'EXPIRED', 'the simulator refuses every try: it never started');
    assert.match(done.error.message, /was never sent, so nothing was billed/);
    assert.match(done.error.message, /429/);
    assert.equal(server.simulator.stats.submits, before, 'Veo accepted nothing');
  });

  test('Veo 500 on submit: UPSTREAM, not retried (a retry could bill twice)', async (t) => {
    const { failedSubmit } = await open(t);
    const text = await failedSubmit('A fox [sim:submit-500]', /^UPSTREAM: .*HTTP 500/);
    assert.doesNotMatch(text, /temporary/);
  });

  test('malformed submit response: UPSTREAM error naming the malformed answer', async (t) => {
    const { failedSubmit } = await open(t);
    await failedSubmit('A fox [sim:submit-malformed]', /^UPSTREAM: .*malformed/);
  });

  test('slow submit beyond VEO_TIMEOUT_SECONDS: DEADLINE_EXCEEDED', async (t) => {
    const { generate } = await open(t, undefined, { slow: true });
    const result = await generate('A fox [sim:submit-slow]');
    assert.equal(result.isError, true);
    assert.match(textOf(result), /^DEADLINE_EXCEEDED: .*Veo did not answer in time.*may still have started/);
  });

  for (const fault of ['poll-429', 'poll-500', 'poll-malformed', 'poll-slow']) {
    test(`${fault} while polling is retried with backoff and the operation still SUCCEEDS`, async (t) => {
      const { server, followToEnd } = await open(t, undefined, { slow: fault === 'poll-slow' });
      const polls = server.simulator.stats.polls;
      const { view } = await followToEnd(`A fox [sim:${fault}]`);
      assert.equal(view.status, 'SUCCEEDED');
      assert.equal(view.videos.length, 1);
      assert.ok(server.simulator.stats.polls - polls >= 2, 'the failed poll was followed by another');
    });
  }

  test('RAI filtering of every video: status FILTERED with the count and reasons, never an empty success', async (t) => {
    const { followToEnd } = await open(t);
    const { view, result } = await followToEnd('A fox [sim:rai]');
    assert.equal(view.status, 'FILTERED');
    assert.equal(view.rai_filtered_count, 1);
    assert.match(view.rai_reasons[0], /You will not be charged.*Support codes: \d{8}$/);
    assert.equal(view.videos.length, 0);
    assert.equal(
      result.content.filter((c) => c.type === 'resource_link' && c.mimeType === 'video/mp4').length,
      0,
    );
    assert.match(textOf(result), /FILTERED/);
  });

  test("operation error from Veo: FAILED with Veo's message", async (t) => {
    const { followToEnd } = await open(t);
    const { view } = await followToEnd('A fox [sim:error]');
    assert.equal(view.status, 'FAILED');
    assert.equal(view.error.code, 'INTERNAL');
    assert.match(view.error.message, /Simulated generation failure/);
  });

  test('an operation that never finishes ends EXPIRED after the deadline with a clear message', async (t) => {
    const { followToEnd } = await open(t, new WarpClock());
    const { view } = await followToEnd('A fox [sim:never]');
    assert.equal(view.status, 'EXPIRED');
    assert.match(view.error.message, /did not finish within 3 seconds/);
  });

  test('partial RAI filtering keeps the surviving videos and reports the filtered count', async (t) => {
    const { followToEnd } = await open(t);
    const { view, result } = await followToEnd('Two foxes [sim:rai-partial]', { number_of_videos: 2 });
    assert.equal(view.status, 'SUCCEEDED');
    assert.equal(view.videos.length, 1);
    assert.equal(view.rai_filtered_count, 1);
    assert.equal(
      result.content.filter((c) => c.type === 'resource_link' && c.mimeType === 'video/mp4').length,
      1,
    );
  });
});
