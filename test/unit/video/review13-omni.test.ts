// Review fixes (issue 13): the Omni adapter reports a cancel as stopped only when the interaction says so, and never sends the API key across a redirect.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OmniAdapter } from '../../../functions/src/video/omni.js';

// One suite, so its hooks are its own when the file shares a process with others (test/lanes/).
describe('Omni adapter review fixes: cancel outcome and redirects', () => {
  let server: Server;
  let baseUrl: string;
  const seen: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} key=${req.headers['x-goog-api-key'] ? 'header' : 'none'}`);
      // An interaction that had already completed (and was billed): the API answers the resource as it is.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'v1_done', status: 'completed', model: 'gemini-omni-1.2-flash' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('a cancel answered with a completed interaction is not reported as stopped', async () => {
    const omni = new OmniAdapter({
      api: 'gemini',
      apiKey: 'AIza-test',
      baseUrl,
      timeoutMs: 5000,
      useGoogleCredentials: false,
    });
    const outcome = await omni.cancel('v1_done', 'gemini-omni-1.2-flash');
    assert.ok(
      seen.some((s) => s.startsWith('POST') && s.includes('/interactions/v1_done/cancel')),
      seen.join('\n'),
    );
    assert.notEqual(
      outcome,
      'cancelled',
      'the interaction had completed: Google bills it, its seconds must stay counted',
    );
  });

  test('the API key is not sent to another origin a download redirects to', async () => {
    const leaked: string[] = [];
    const other = createServer((req, res) => {
      leaked.push(String(req.headers['x-goog-api-key'] ?? ''));
      res.writeHead(200, { 'content-type': 'video/mp4' }).end('x');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/file.mp4`;
    const api = createServer((_req, res) => res.writeHead(302, { location: otherUrl }).end());
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    try {
      const omni = new OmniAdapter({
        api: 'gemini',
        apiKey: 'AIza-secret',
        baseUrl: apiUrl,
        timeoutMs: 5000,
        useGoogleCredentials: false,
      });
      const body = await omni
        .open({ kind: 'remote', uri: `${apiUrl}/v1beta/files/abc:download?alt=media`, mimeType: 'video/mp4' })
        .catch((e: Error) => e);
      if (!(body instanceof Error)) for await (const _ of body) void _;
      assert.deepEqual(leaked.filter(Boolean), [], 'the key reached another origin');
    } finally {
      api.close();
      other.close();
    }
  });
});
