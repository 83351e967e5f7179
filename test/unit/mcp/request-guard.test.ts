// The request guard watches every HTTP server in the process (Node's http.server.request.start channel) but takes
// over only functions-framework's: other servers in the same process — the Storage emulator's Express 4 app in the
// bench, a webhook receiver in a test — keep their bodies and headers, and an app whose `router` getter throws (as
// Express 4's does) does not crash the process.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { SECURITY_HEADERS } from '../../../functions/src/mcp/request-guard.js';

async function serve(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<[Server, string]> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`];
}

/** Answers with the framing headers it saw and the body it read. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        length: req.headers['content-length'] ?? null,
        body: Buffer.concat(chunks).toString(),
      }),
    );
  });
}

describe('servers that are not functions-framework', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  test('a plain server keeps its Content-Length and body, and gets none of our headers', async () => {
    const [server, url] = await serve(echo);
    servers.push(server);
    const answer = await fetch(url, { method: 'POST', body: '{"hello":"world"}' });
    assert.deepEqual(await answer.json(), { length: '17', body: '{"hello":"world"}' });
    for (const name of Object.keys(SECURITY_HEADERS)) assert.equal(answer.headers.get(name), null, name);
  });

  test('an Express 4-style app, whose router getter throws, is served untouched and the process lives', async () => {
    const app = Object.assign((req: IncomingMessage, res: ServerResponse) => echo(req, res), {
      use: () => undefined,
      settings: {},
    });
    Object.defineProperty(app, 'router', {
      get() {
        throw new Error("'app.router' is deprecated!");
      },
    });
    const [server, url] = await serve(app);
    servers.push(server);
    const answer = await fetch(url, { method: 'POST', body: 'abc' });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { length: '3', body: 'abc' });
  });
});
