// The instance's request-body budget (MAX_REQUEST_BYTES_IN_FLIGHT) on a real functions-framework server, with the
// request guard in front of it: bodies count while their requests are served, a body that would pass the budget is
// refused with 503 before the handler sees it, and the bytes come back when the answer is done.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { BodyBudget, BodyRefusal, readBody } from '../../../functions/src/mcp/request-guard.js';

const MAX_BODY = 64 * 1024;
const BUDGET = 100 * 1024;

describe('the request-body budget of an instance', () => {
  const bodies = new BodyBudget(BUDGET);
  /** Requests whose body was read and whose answer waits for the test: name → release. */
  const held = new Map<string, () => void>();
  const read = new Map<string, (bytes: number) => void>();
  const readAfterClose = new Map<string, (outcome: Promise<unknown>) => void>();
  let handled = 0;
  let url: string;
  let close: () => void;

  before(async () => {
    http('body-budget-test', async (req, res) => {
      const name = String(req.headers['x-name']);
      let body: Buffer | undefined;
      // As the MCP handler does while it checks identity: the body is read only after an await, by which time the
      // client may have gone.
      if (req.headers['x-read-after-close']) {
        await new Promise<void>((resolve) => {
          req.once('close', resolve);
          read.get(name)?.(0);
        });
        readAfterClose.get(name)?.(
          readBody(req, MAX_BODY, { res, bodies }).then(
            () => 'read',
            (err: unknown) => err,
          ),
        );
        return;
      }
      try {
        body = await readBody(req, MAX_BODY, { res, bodies });
      } catch (err) {
        const refusal = err as BodyRefusal;
        res.status(refusal.status).json({ error: refusal.message });
        return;
      }
      handled++;
      if (req.headers['x-hold']) {
        await new Promise<void>((release) => {
          held.set(name, release);
          read.get(name)?.(body?.length ?? 0);
        });
      }
      res.status(200).json({ bytes: body?.length ?? 0 });
    });
    const server = getTestServer('body-budget-test');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    close = () => {
      server.closeAllConnections();
      server.close();
    };
  });
  after(() => close());

  const send = (name: string, body: Buffer, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-name': name, ...headers },
      body,
    });
  const readBy = (name: string) => new Promise<number>((resolve) => read.set(name, resolve));

  test('bodies count while served; one that would pass the budget is refused with 503; the bytes come back', async () => {
    const sixty = Buffer.alloc(60 * 1024, 'a');
    const handledBefore = handled;

    const firstRead = readBy('first');
    const first = send('first', sixty, { 'x-hold': '1' });
    assert.equal(await firstRead, sixty.length);
    assert.equal(bodies.inFlight, sixty.length, 'the first body is held while its request is served');

    const second = await send('second', sixty);
    assert.equal(second.status, 503);
    assert.match(
      ((await second.json()) as { error: string }).error,
      new RegExp(
        `holding \\d+ bytes of request bodies \\(MAX_REQUEST_BYTES_IN_FLIGHT is ${BUDGET}\\); retry`,
      ),
    );
    assert.equal(handled, handledBefore + 1, 'the refused request never reached past the guard');
    assert.equal(bodies.inFlight, sixty.length, 'the refused body gave back what it had taken');

    held.get('first')!();
    assert.equal((await first).status, 200);
    await (await first).text();
    const third = await send('third', sixty);
    assert.equal(third.status, 200, 'after the first answer its bytes are free again');
    assert.deepEqual(await third.json(), { bytes: sixty.length });
    assert.equal(bodies.inFlight, 0);
  });

  for (const [what, sent] of [
    ['half its body', 'x'.repeat(50)],
    ['all its body', 'x'.repeat(100)],
  ] as const) {
    test(
      `a client that hung up after sending ${what}, before the body was read, gets a refusal, not a read that never ends`,
      { timeout: 5000 },
      async () => {
        const name = `gone-${sent.length}`;
        const waiting = readBy(name);
        const outcome = new Promise<Promise<unknown>>((resolve) => readAfterClose.set(name, resolve));
        const socket = connect(Number(new URL(url).port), '127.0.0.1');
        await once(socket, 'connect');
        socket.write(
          `POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n` +
            `X-Name: ${name}\r\nX-Read-After-Close: 1\r\n\r\n${sent}`,
        );
        await waiting;
        socket.destroy();
        const refusal = (await await outcome) as BodyRefusal;
        assert.ok(refusal instanceof BodyRefusal, `readBody settled with ${String(refusal)}`);
        assert.equal(refusal.status, 400);
        assert.equal(refusal.message, 'The client closed the connection before its body was read.');
        assert.equal(bodies.inFlight, 0, 'nothing was taken from the budget');
      },
    );
  }

  test('a compressed body counts with its decoded size', async () => {
    const firstRead = readBy('inflated');
    const inflated = send('inflated', gzipSync(Buffer.alloc(60 * 1024, 'b')), {
      'x-hold': '1',
      'content-encoding': 'gzip',
    });
    assert.equal(await firstRead, 60 * 1024);
    assert.equal(bodies.inFlight, 60 * 1024, 'decoded bytes, not the ~100 compressed ones');
    const refused = await send('small-but-over', Buffer.alloc(50 * 1024, 'c'));
    assert.equal(refused.status, 503);
    held.get('inflated')!();
    assert.equal((await inflated).status, 200);
    assert.equal(bodies.inFlight, 0);
  });
});

describe('a client that hangs up while its compressed body is inflated', () => {
  const bodies = new BodyBudget(1024 * 1024 * 1024);
  const outcomes: string[] = [];
  const settled = new Map<number, () => void>();
  let port: number;
  let close: () => void;

  before(async () => {
    http('body-budget-hangup-test', async (req, res) => {
      try {
        await readBody(req, 4 * 1024 * 1024, { res, bodies });
        outcomes.push('read');
      } catch (err) {
        outcomes.push((err as BodyRefusal).message);
      }
      res.status(200).end();
      settled.get(outcomes.length)?.();
    });
    const server = getTestServer('body-budget-hangup-test');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    close = () => {
      server.closeAllConnections();
      server.close();
    };
  });
  after(() => close());

  test('gives back every byte: inflation after the hang-up takes nothing for an answer already closed', async () => {
    // 4 MiB of zeros in 4 KB of gzip: the whole body arrives at once, and the client is gone while it inflates.
    const body = gzipSync(Buffer.alloc(4 * 1024 * 1024));
    const hangUps = 20;
    const allSettled = new Promise<void>((resolve) => settled.set(hangUps, resolve));
    for (let i = 0; i < hangUps; i++) {
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n' +
          `Content-Length: ${body.length}\r\n\r\n`,
      );
      socket.end(body);
      socket.destroy();
    }
    await allSettled;
    assert.equal(outcomes.length, hangUps);
    assert.equal(bodies.inFlight, 0, 'no hung-up request keeps budget');
    assert.ok(
      outcomes.every((outcome) =>
        ['read', 'The client closed the connection before its body was read.'].includes(outcome),
      ),
      outcomes.join('; '),
    );
  });
});

describe('BodyBudget', () => {
  test('takes up to its limit, refuses past it, and gives back what an answer took, once, when it closes', () => {
    const budget = new BodyBudget(10);
    const a = new EventEmitter() as unknown as ServerResponse;
    const b = new EventEmitter() as unknown as ServerResponse;
    assert.equal(budget.take(a, 4), true);
    assert.equal(budget.take(a, 4), true);
    assert.equal(budget.take(b, 3), false, '8 + 3 > 10');
    assert.equal(budget.take(b, 2), true);
    assert.equal(budget.inFlight, 10);
    a.emit('close');
    assert.equal(budget.inFlight, 2, 'both of its takes came back');
    a.emit('close');
    assert.equal(budget.inFlight, 2, 'a second close gives nothing back twice');
    b.emit('close');
    assert.equal(budget.inFlight, 0);
  });
});
