// Egress: outbound requests to caller-chosen URLs reach public internet addresses only, connect to the address that
// was checked (no second lookup), follow checked redirects a bounded number of times, and stop at size and time caps.
// Servers here are real https servers on loopback with a test-only certificate for *.test names; a `.test` name
// (RFC 6761) resolves only through the injected resolver, so reaching the server proves the pinned address was used.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../../functions/src/config/index.js';
import {
  blockedAddressReason,
  checkDestination,
  EgressError,
  egressFetch,
  type ResolvedAddress,
  type Resolver,
} from '../../../functions/src/net/egress.js';

const CA = readFileSync(new URL('../../fixtures/tls/test-only.crt', import.meta.url));
const KEY = readFileSync(new URL('../../fixtures/tls/test-only.key', import.meta.url));
const LIMITS = { maxBytes: 1024, timeoutMs: 5000, maxRedirects: 3 };

const addr = (address: string): ResolvedAddress => ({ address, family: address.includes(':') ? 6 : 4 });
/** A resolver from a table, counting its calls per name. */
function tableResolver(table: Record<string, string[]>): Resolver & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const resolve = async (host: string) => {
    calls[host] = (calls[host] ?? 0) + 1;
    const found = table[host];
    if (!found) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    return found.map(addr);
  };
  return Object.assign(resolve, { calls });
}

async function refusal(promise: Promise<unknown>): Promise<EgressError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof EgressError, `expected an EgressError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}

describe('egress: blocked destinations', () => {
  // Literal addresses: checked as given, no resolver involved.
  const blockedLiterals: Array<[string, RegExp]> = [
    [
      'https://169.254.169.254/computeMetadata/v1/',
      /169\.254\.169\.254 is a private, loopback, link-local \(metadata\)/,
    ],
    ['https://127.0.0.1/', /127\.0\.0\.1 is a private/],
    ['https://127.8.9.10:8443/', /127\.8\.9\.10 is a private/],
    ['https://10.1.2.3/', /10\.1\.2\.3 is a private/],
    ['https://172.16.0.1/', /172\.16\.0\.1 is a private/],
    ['https://172.31.255.254/', /172\.31\.255\.254 is a private/],
    ['https://192.168.1.1/', /192\.168\.1\.1 is a private/],
    ['https://100.64.0.1/', /100\.64\.0\.1 is a private.*CGNAT/],
    ['https://100.127.255.254/', /100\.127\.255\.254 is a private/],
    ['https://0.0.0.0/', /0\.0\.0\.0 is a private/],
    ['https://0.1.2.3/', /0\.1\.2\.3 is a private/],
    ['https://224.0.0.1/', /224\.0\.0\.1 is a private.*multicast/],
    ['https://239.255.255.250/', /239\.255\.255\.250 is a private/],
    ['https://240.0.0.1/', /240\.0\.0\.1 is a private.*reserved/],
    ['https://255.255.255.255/', /255\.255\.255\.255 is a private/],
    ['https://198.18.0.1/', /198\.18\.0\.1 is a private/],
    ['https://192.0.0.170/', /192\.0\.0\.170 is a private/],
    ['https://[::1]/', /::1 is an IPv6 loopback/],
    ['https://[::]/', /:: is an IPv6 loopback, unspecified/],
    ['https://[fc00::1]/', /fc00::1 is an IPv6 .*unique-local/],
    ['https://[fd12:3456::1]/', /fd12:3456::1 is an IPv6 .*unique-local/],
    ['https://[fe80::1]/', /fe80::1 is an IPv6 .*link-local/],
    ['https://[ff02::1]/', /ff02::1 is an IPv6 .*multicast/],
    ['https://[2001:db8::1]/', /2001:db8::1 is an IPv6 .*reserved/],
    ['https://[::ffff:127.0.0.1]/', /is the IPv4-mapped form of 127\.0\.0\.1/],
    ['https://[::ffff:a9fe:a9fe]/', /is the IPv4-mapped form of 169\.254\.169\.254/],
    ['https://[::ffff:0:a00:1]/', /is the IPv4-translated form of 10\.0\.0\.1/],
    ['https://[::a9fe:a9fe]/', /is the IPv4-compatible form of 169\.254\.169\.254/],
    ['https://[64:ff9b::a9fe:a9fe]/', /is the NAT64 form of 169\.254\.169\.254/],
    ['https://[64:ff9b::10.0.0.1]/', /is the NAT64 form of 10\.0\.0\.1/],
    ['https://[64:ff9b:1::1]/', /is an IPv6 .*reserved/],
    ['https://[2002:a9fe:a9fe::1]/', /is the 6to4 form of 169\.254\.169\.254/],
    ['https://[2002:c0a8:101::]/', /is the 6to4 form of 192\.168\.1\.1/],
    // Teredo: the client's IPv4 is the last 32 bits inverted (f5ff:fffe -> 10.0.0.1).
    ['https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/', /is the Teredo client form of 10\.0\.0\.1/],
    ['https://[2001:0:a9fe:a9fe::1]/', /is the Teredo server form of 169\.254\.169\.254/],
    // The URL parser normalises other IPv4 spellings (decimal, hex, octal, short forms) before we check them.
    ['https://2130706433/', /127\.0\.0\.1 is a private/],
    ['https://0x7f.1/', /127\.0\.0\.1 is a private/],
    ['https://0251.0376.0251.0376/', /169\.254\.169\.254 is a private/],
    ['https://0/', /0\.0\.0\.0 is a private/],
  ];
  for (const [url, reason] of blockedLiterals) {
    test(`${url} is refused`, async () => {
      const resolve = tableResolver({});
      const err = await refusal(checkDestination(url, { resolve }));
      assert.equal(err.kind, 'refused');
      assert.match(err.message, reason);
      assert.deepEqual(resolve.calls, {}, 'a literal address is not resolved');
    });
  }

  const blockedNames: Array<[string, RegExp]> = [
    [
      'https://metadata.google.internal/computeMetadata/v1/',
      /metadata\.google\.internal names a local or platform-internal/,
    ],
    ['https://metadata/computeMetadata/v1/', /the host metadata names a local or platform-internal/],
    ['https://localhost/', /the host localhost names a local/],
    ['https://api.localhost/', /api\.localhost names a local/],
    ['https://printer.local/', /printer\.local names a local/],
    ['https://metadata.google.internal./computeMetadata/v1/', /metadata\.google\.internal\. names a local/],
    ['https://metadata./x', /the host metadata\. names a local/],
    ['https://LOCALHOST/', /the host localhost names a local/],
    ['https://vm-1.c.my-project.internal/', /vm-1\.c\.my-project\.internal names a local/],
  ];
  for (const [url, reason] of blockedNames) {
    test(`${url} is refused by name, without asking DNS`, async () => {
      const resolve = tableResolver({});
      assert.match((await refusal(checkDestination(url, { resolve }))).message, reason);
      assert.deepEqual(resolve.calls, {});
    });
  }

  const rebinding: Array<[string, string[], RegExp]> = [
    [
      'a name resolving to a private address',
      ['10.0.0.5'],
      /internal\.example\.com resolves to 10\.0\.0\.5, which is a private/,
    ],
    ['a name resolving to the metadata server', ['169.254.169.254'], /resolves to 169\.254\.169\.254/],
    ['a name resolving to IPv6 loopback', ['::1'], /resolves to ::1, which is an IPv6 loopback/],
    ['a name resolving to an IPv4-mapped loopback', ['::ffff:127.0.0.1'], /IPv4-mapped form of 127\.0\.0\.1/],
    [
      'a resolver answering public first and private second',
      ['93.184.215.14', '10.0.0.5'],
      /resolves to 10\.0\.0\.5/,
    ],
    [
      'a resolver answering private first and public second',
      ['192.168.0.9', '93.184.215.14'],
      /resolves to 192\.168\.0\.9/,
    ],
    [
      'a name resolving to public IPv6 and unique-local IPv6',
      ['2606:4700::1111', 'fd00::1'],
      /resolves to fd00::1/,
    ],
  ];
  for (const [name, addresses, reason] of rebinding) {
    test(`${name} is refused`, async () => {
      const resolve = tableResolver({ 'internal.example.com': addresses });
      const err = await refusal(checkDestination('https://internal.example.com/cat.png', { resolve }));
      assert.match(err.message, reason);
    });
  }

  const badUrls: Array<[string, RegExp]> = [
    ['http://example.com/cat.png', /only https:\/\/ URLs are fetched, not http:\/\//],
    ['ftp://example.com/cat.png', /only https:\/\/ URLs are fetched, not ftp:\/\//],
    ['file:///etc/passwd', /only https:\/\/ URLs are fetched, not file:\/\//],
    ['https://user:pw@example.com/', /credentials/],
    ['not a url', /not a valid absolute URL/],
  ];
  for (const [url, reason] of badUrls) {
    test(`${url} is refused`, async () => {
      assert.match((await refusal(checkDestination(url, { resolve: tableResolver({}) }))).message, reason);
    });
  }

  test('a name that does not resolve is refused, saying so', async () => {
    const err = await refusal(checkDestination('https://nowhere.example/x', { resolve: tableResolver({}) }));
    assert.match(err.message, /the host nowhere\.example could not be resolved/);
  });
});

describe('egress: public destinations are accepted', () => {
  // The old block list held ::ffff:0:0/96, which Node's BlockList also matches against every IPv4 address.
  for (const address of [
    '8.8.8.8',
    '1.1.1.1',
    '142.250.74.46',
    '93.184.215.14',
    '100.128.0.1',
    '172.32.0.1',
  ]) {
    test(`public IPv4 ${address} is accepted`, async () => {
      assert.equal(blockedAddressReason(address), undefined);
      const { address: pinned } = await checkDestination(`https://${address}/x`);
      assert.deepEqual(pinned, { address, family: 4 });
    });
  }
  for (const address of [
    '2001:4860:4860::8888',
    '2606:4700::1111',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '::ffff:8.8.8.8',
  ]) {
    test(`public IPv6 ${address} is accepted`, async () => {
      assert.equal(blockedAddressReason(address), undefined);
      const { address: pinned } = await checkDestination(`https://[${address}]/x`);
      assert.equal(pinned.family, 6);
    });
  }
  test('a name resolving to public IPv4 and IPv6 addresses is accepted and pinned to the first', async () => {
    const resolve = tableResolver({
      'images.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    });
    const destination = await checkDestination('https://images.example.com/cat.png', { resolve });
    assert.deepEqual(destination.address, { address: '93.184.215.14', family: 4 });
    assert.deepEqual(resolve.calls, { 'images.example.com': 1 });
  });
});

describe('egress: connections over https', () => {
  let server: Server;
  let port: number;
  const seen: Array<{
    host: string | undefined;
    servername: string | false | null | undefined;
    url: string;
  }> = [];
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();

  before(async () => {
    server = createServer({ key: KEY, cert: CA }, (req, res) => {
      seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername, url: req.url! });
      const route = routes.get(new URL(req.url!, 'https://x').pathname);
      if (route) route(req, res);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const options = (table: Record<string, string[]>) => ({
    resolve: tableResolver(table),
    ca: CA,
    testHosts: [`rebind.test:${port}`, `images.test:${port}`],
  });

  test('the connection goes to the checked address, once resolved, with the name for SNI and Host', async () => {
    const egress = options({ 'rebind.test': ['127.0.0.1'] });
    seen.length = 0;
    const response = await egressFetch(`https://rebind.test:${port}/pinned`, {}, LIMITS, egress);
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'hello');
    // rebind.test exists only in the injected resolver: the system resolver was never asked.
    assert.deepEqual(egress.resolve.calls, { 'rebind.test': 1 });
    assert.deepEqual(seen, [{ host: `rebind.test:${port}`, servername: 'rebind.test', url: '/pinned' }]);
  });

  test('the certificate is checked against the name, not the address', async () => {
    const egress = { ...options({ 'other.test': ['127.0.0.1'] }), testHosts: [`other.test:${port}`] };
    const err = await refusal(egressFetch(`https://other.test:${port}/`, {}, LIMITS, egress));
    assert.equal(err.kind, 'failed');
    assert.match(err.message, /other\.test/);
  });

  test('an untrusted certificate fails the request', async () => {
    const egress = { ...options({ 'rebind.test': ['127.0.0.1'] }), ca: undefined };
    const err = await refusal(egressFetch(`https://rebind.test:${port}/`, {}, LIMITS, egress));
    assert.equal(err.kind, 'failed');
    assert.match(err.message, /self[- ]signed|certificate/i);
  });

  test('without the test-host setting, the same loopback address is refused before connecting', async () => {
    const egress = { ...options({ 'rebind.test': ['127.0.0.1'] }), testHosts: [] };
    seen.length = 0;
    const err = await refusal(egressFetch(`https://rebind.test:${port}/`, {}, LIMITS, egress));
    assert.match(err.message, /rebind\.test resolves to 127\.0\.0\.1, which is a private/);
    assert.equal(seen.length, 0, 'nothing was sent');
  });

  test('a redirect to the metadata server is checked and refused', async () => {
    routes.set('/to-metadata', (_req, res) =>
      res.writeHead(302, { location: 'https://169.254.169.254/computeMetadata/v1/' }).end(),
    );
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/to-metadata`,
        {},
        LIMITS,
        options({ 'images.test': ['127.0.0.1'] }),
      ),
    );
    assert.match(err.message, /169\.254\.169\.254 is a private, loopback, link-local \(metadata\)/);
  });

  test('a redirect to a name that resolves privately is refused (public first, private second)', async () => {
    routes.set('/to-private-name', (_req, res) =>
      res.writeHead(301, { location: 'https://cdn.example.net/cat.png' }).end(),
    );
    const egress = options({ 'images.test': ['127.0.0.1'], 'cdn.example.net': ['10.9.8.7'] });
    const err = await refusal(egressFetch(`https://images.test:${port}/to-private-name`, {}, LIMITS, egress));
    assert.match(err.message, /cdn\.example\.net resolves to 10\.9\.8\.7/);
    assert.deepEqual(egress.resolve.calls, { 'images.test': 1, 'cdn.example.net': 1 });
  });

  test('a redirect to plain http is refused', async () => {
    routes.set('/to-http', (_req, res) => res.writeHead(307, { location: 'http://example.com/x' }).end());
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/to-http`,
        {},
        LIMITS,
        options({ 'images.test': ['127.0.0.1'] }),
      ),
    );
    assert.match(err.message, /only https:\/\/ URLs are fetched/);
  });

  test('redirects within the limit are followed, each hop resolved again', async () => {
    routes.set('/hop', (req, res) => {
      const n = Number(new URL(req.url!, 'https://x').searchParams.get('n'));
      if (n === 0) res.writeHead(200).end('arrived');
      else res.writeHead(302, { location: `/hop?n=${n - 1}` }).end();
    });
    const egress = options({ 'images.test': ['127.0.0.1'] });
    const response = await egressFetch(`https://images.test:${port}/hop?n=3`, {}, LIMITS, egress);
    assert.equal(response.body.toString(), 'arrived');
    assert.deepEqual(egress.resolve.calls, { 'images.test': 4 });
  });

  // The host chooses the Location: one that is no URL threw a TypeError out of egressFetch, which callers answer as
  // an internal error of ours (logged with a stack) instead of a refusal of the caller's URL.
  test('a redirect to something that is not a URL is refused, saying so', async () => {
    routes.set('/to-nowhere', (_req, res) => res.writeHead(302, { location: 'https://[' }).end());
    const target = `https://images.test:${port}/to-nowhere`;
    const err = await refusal(egressFetch(target, {}, LIMITS, options({ 'images.test': ['127.0.0.1'] })));
    assert.equal(err.kind, 'refused');
    assert.equal(err.message, 'it redirects (HTTP 302) to "https://[", which is not a valid URL');
  });

  test('more redirects than the limit are refused', async () => {
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/hop?n=4`,
        {},
        LIMITS,
        options({ 'images.test': ['127.0.0.1'] }),
      ),
    );
    assert.match(err.message, /it redirects more than 3 times/);
  });

  test('a POST is never redirected (webhooks)', async () => {
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/hop?n=1`,
        { method: 'POST', body: '{}' },
        { ...LIMITS, maxRedirects: 0 },
        options({ 'images.test': ['127.0.0.1'] }),
      ),
    );
    assert.match(err.message, /redirects \(HTTP 302\) and redirects are not followed here/);
  });

  test('an answer declared over the size cap is refused before its body is read', async () => {
    routes.set('/declared-big', (_req, res) => {
      res.writeHead(200, { 'content-length': String(10_000) });
      res.end(Buffer.alloc(10_000));
    });
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/declared-big`,
        {},
        LIMITS,
        options({ 'images.test': ['127.0.0.1'] }),
      ),
    );
    assert.match(err.message, /its answer is 10000 bytes, over the 1024-byte limit/);
  });

  test('a chunked answer growing past the size cap is cut off', async () => {
    routes.set('/chunked-big', (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(500));
      res.end();
    });
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/chunked-big`,
        {},
        LIMITS,
        options({ 'images.test': ['127.0.0.1'] }),
      ),
    );
    assert.match(err.message, /its answer is over the 1024-byte limit/);
  });

  test('a body that never finishes is cut off at the time cap', async () => {
    routes.set('/slow', (_req, res) => {
      res.writeHead(200);
      res.write('partial'); // ...and never ends.
    });
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/slow`,
        {},
        { ...LIMITS, timeoutMs: 150 },
        options({ 'images.test': ['127.0.0.1'] }),
      ),
    );
    assert.equal(err.kind, 'failed');
    assert.match(err.message, /no complete answer within 150 ms/);
  });

  test('a server that never answers is cut off at the time cap', async () => {
    routes.set('/silent', () => {});
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/silent`,
        {},
        { ...LIMITS, timeoutMs: 150 },
        options({ 'images.test': ['127.0.0.1'] }),
      ),
    );
    assert.match(err.message, /no complete answer within 150 ms/);
  });

  // A name whose DNS never answers (an attacker's own name server can do that) held the caller's request for as long
  // as the resolver tried, past the time cap meant to bound the whole fetch.
  test('a name that never resolves is cut off at the time cap, and nothing is connected', async () => {
    let lookups = 0;
    const err = await refusal(
      egressFetch(
        `https://images.test:${port}/silent`,
        {},
        { ...LIMITS, timeoutMs: 150 },
        {
          ca: CA,
          resolve: () => {
            lookups++;
            return new Promise<ResolvedAddress[]>(() => {});
          },
        },
      ),
    );
    assert.equal(err.kind, 'failed');
    assert.equal(err.message, 'the host images.test did not resolve within 150 ms');
    assert.equal(lookups, 1);
  });
});

describe('egress: configuration', () => {
  test('EGRESS_TEST_HOSTS is read as host:port pairs off the platform', () => {
    const config = loadConfig({ EGRESS_TEST_HOSTS: 'hooks.test:8443, 127.0.0.1:9000' });
    assert.deepEqual(config.egressTestHosts, ['hooks.test:8443', '127.0.0.1:9000']);
  });
  test('EGRESS_TEST_HOSTS without a port is refused, naming the setting', () => {
    assert.throws(
      () => loadConfig({ EGRESS_TEST_HOSTS: 'hooks.test' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /EGRESS_TEST_HOSTS.*host:port/);
        return true;
      },
    );
  });
  test('EGRESS_TEST_HOSTS on Cloud Run stops the instance, naming the setting', () => {
    assert.throws(
      () => loadConfig({ K_SERVICE: 'mcp', EGRESS_TEST_HOSTS: '10.0.0.1:443' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /EGRESS_TEST_HOSTS.*refused on Cloud Run/);
        return true;
      },
    );
  });
});
