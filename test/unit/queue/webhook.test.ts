// Webhooks: events carry a verifiable HMAC-SHA256 signature and never go to private addresses.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { Clock } from '../../../functions/src/operations/clock.js';
import type { CompletionEvent } from '../../../functions/src/queue/completion-event.js';
import { deliverWebhook, SIGNATURE_HEADER } from '../../../functions/src/queue/webhook.js';

const SECRET = 'webhook-secret-for-tests-0123456789abcdef';
const event: CompletionEvent = {
  event_id: 'op1',
  type: 'operation.completed',
  operation_id: 'op1',
  request_id: 'r1',
  status: 'SUCCEEDED',
  videos: [],
  correlation: { sku: 'A' },
  completed_at: '2026-01-01T00:00:00.000Z',
};

/** The verification snippet from the README, verbatim in spirit: recompute and compare in constant time. */
function verify(secret: string, header: string, body: string, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const timestamp = Number(parts['t']);
  if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  const given = Buffer.from(parts['v1'] ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhooks', () => {
  test('a delivered event verifies with the shared secret, and not with another', async () => {
    const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(received.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    // Real time for the signature's timestamp; the waits between attempts are recorded, not slept.
    const waits: number[] = [];
    const clock: Clock = { now: () => new Date(), sleep: async (ms) => void waits.push(ms) };
    try {
      assert.equal(
        await deliverWebhook(url, event, {
          secret: SECRET,
          egress: { testHosts: [`127.0.0.1:${(server.address() as AddressInfo).port}`] },
          clock,
        }),
        true,
      );
      assert.equal(received.length, 2, 'a 503 is retried');
      assert.ok(waits.length === 2 && waits[1]! > 0, `the retry waits first: ${waits.join(', ')}`);
      const last = received[1]!;
      const header = last.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      assert.deepEqual(JSON.parse(last.body), event);
      assert.equal(verify(SECRET, header, last.body), true);
      assert.equal(verify('another-secret-0123456789abcdef0123', header, last.body), false);
      assert.equal(verify(SECRET, header, last.body.replace('SUCCEEDED', 'FAILED')), false);
    } finally {
      server.close();
    }
  });

  test('webhooks to private, loopback or metadata addresses, or plain http, are never sent', async () => {
    for (const url of [
      'https://127.0.0.1/hook',
      'https://169.254.169.254/computeMetadata',
      'https://10.0.0.8/x',
      'http://example.com/hook',
    ]) {
      assert.equal(await deliverWebhook(url, event, { secret: SECRET }), false, url);
    }
  });
});
