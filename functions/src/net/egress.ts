// Every outbound request to a URL a caller or an upstream chose (input images, webhooks) goes through here. https
// only; the name is resolved once and every address checked against the ranges that reach our own network
// (private, loopback, link-local and the metadata server, CGNAT, IPv6 unique-local, and IPv4 hidden in IPv6 forms);
// the connection then goes to that checked address — no second lookup a rebinding name could answer differently —
// with the original host for TLS (SNI, certificate) and `Host`. Redirects are checked hop by hop, bodies and time are
// capped. Hosts named in EGRESS_TEST_HOSTS (local receivers, never on the platform) may use http and private addresses.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, isIPv4, type LookupFunction } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface EgressOptions {
  /** Resolves a name to all its addresses (default: the system resolver); tests inject one. */
  resolve?: Resolver;
  /** Extra TLS trust, added to Node's roots: tests serve https with a local CA. */
  ca?: string | Buffer;
  /** `host:port` pairs that may be reached over http and at private addresses (EGRESS_TEST_HOSTS). */
  testHosts?: readonly string[];
}

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Redirects followed, each checked like the first URL; 0 refuses any redirect. */
  maxRedirects: number;
}

/**
 * Why an outbound request did not happen or did not finish. `refused`: our rules forbid it (scheme, address,
 * redirect, size) and retrying cannot help; `failed`: the network or the peer failed (timeouts included).
 */
export class EgressError extends Error {
  override name = 'EgressError';
  readonly kind: 'refused' | 'failed';
  constructor(kind: 'refused' | 'failed', message: string) {
    super(message);
    this.kind = kind;
  }
}
const refused = (message: string): EgressError => new EgressError('refused', message);

// IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry, the metadata server at
// 169.254.169.254 inside link-local). Kept apart from the IPv6 list: Node's BlockList matches IPv4 addresses against
// IPv4-mapped IPv6 subnets, so the old `::ffff:0:0/96` entry blocked every IPv4 address.
const blockedV4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blockedV4.addSubnet(net, prefix, 'ipv4');
}
// IPv6 ranges that are never public; the forms that embed an IPv4 address are decoded below instead.
const blockedV6 = new BlockList();
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['64:ff9b:1::', 48],
  ['2001:10::', 28],
  ['2001:20::', 28],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blockedV6.addSubnet(net, prefix, 'ipv6');
}

/** The eight 16-bit words of an IPv6 address (zone dropped, embedded dotted quad folded in). */
function ipv6Words(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined): number[] => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const left = part(head);
  const right = part(tail);
  return tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

const v4 = (high: number, low: number): string => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');

/** IPv4 addresses an IPv6 address carries, with the name of the form (mapped, compatible, NAT64, 6to4, Teredo). */
function embeddedIPv4(words: number[]): Array<[string, string]> {
  const zero = (from: number, to: number): boolean => words.slice(from, to).every((w) => w === 0);
  const [w0, w1, w2, w3, , w5, w6, w7] = words as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (zero(0, 5) && w5 === 0xffff) return [['IPv4-mapped', v4(w6, w7)]];
  if (zero(0, 4) && words[4] === 0xffff && w5 === 0) return [['IPv4-translated', v4(w6, w7)]];
  if (zero(0, 6)) return [['IPv4-compatible', v4(w6, w7)]];
  if (w0 === 0x64 && w1 === 0xff9b && zero(2, 6)) return [['NAT64', v4(w6, w7)]];
  if (w0 === 0x2002) return [['6to4', v4(w1, w2)]];
  if (w0 === 0x2001 && w1 === 0) {
    return [
      ['Teredo server', v4(w2, w3)],
      ['Teredo client', v4(~w6 & 0xffff, ~w7 & 0xffff)],
    ];
  }
  return [];
}

const V4_BLOCKED = 'a private, loopback, link-local (metadata), CGNAT, multicast or reserved IPv4 address';

/** What kind of non-public address this is ("a private ... address"), or undefined for a public one. */
export function blockedAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return blockedV4.check(address, 'ipv4') ? V4_BLOCKED : undefined;
  if (family !== 6) return 'not an IP address';
  const bare = address.split('%')[0]!;
  if (blockedV6.check(bare, 'ipv6')) {
    return 'an IPv6 loopback, unspecified, unique-local, link-local, multicast or reserved address';
  }
  for (const [form, inner] of embeddedIPv4(ipv6Words(bare))) {
    if (blockedV4.check(inner, 'ipv4')) return `the ${form} form of ${inner}, ${V4_BLOCKED}`;
  }
  return undefined;
}

// Names that reach the platform itself or the local network whatever a resolver says. A single-label name is
// completed with the search domains (on GCP, `metadata` becomes metadata.google.internal).
const BLOCKED_NAME = /(^|\.)(localhost|internal|local|localdomain|home\.arpa)$/i;

const defaultResolve: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export interface Destination {
  url: URL;
  /** The checked address the connection goes to. */
  address: ResolvedAddress;
}

/**
 * Checks a URL as a destination: syntax, scheme, name, and every address it resolves to (once). Throws
 * EgressError `refused` with a reason written for the caller; returns the address to connect to.
 */
export async function checkDestination(
  target: string | URL,
  options: EgressOptions = {},
): Promise<Destination> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw refused('it is not a valid absolute URL');
  }
  if (url.username || url.password) throw refused('URLs with credentials (user:password@) are not fetched');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'http:' ? '80' : '443');
  const testHost = options.testHosts?.includes(`${host}:${port}`) ?? false;
  if (url.protocol !== 'https:' && !(testHost && url.protocol === 'http:')) {
    throw refused(`only https:// URLs are fetched, not ${url.protocol}//`);
  }
  // A trailing dot makes a name absolute (`metadata.google.internal.`); the rules look at the name without it.
  const name = host.replace(/\.+$/, '');
  if (!testHost && !isIP(host) && (BLOCKED_NAME.test(name) || !name.includes('.'))) {
    throw refused(`the host ${host} names a local or platform-internal service`);
  }
  let addresses: ResolvedAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIPv4(host) ? 4 : 6 }];
  else {
    try {
      addresses = await (options.resolve ?? defaultResolve)(host);
    } catch (err) {
      if (err instanceof EgressError) throw err; // The deadline passed (withinDeadline).
      throw refused(`the host ${host} could not be resolved (${(err as Error).message})`);
    }
    if (addresses.length === 0) throw refused(`the host ${host} has no addresses`);
  }
  if (!testHost) {
    // Every address, not the first: a name answering public first and private second is refused.
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (!reason) continue;
      throw refused(
        `${isIP(host) ? address : `${host} resolves to ${address}, which`} is ${reason}; only public internet addresses are contacted`,
      );
    }
  }
  return { url, address: addresses[0]! };
}

/** A `lookup` that answers the already-checked address and never asks DNS. */
function pinnedLookup({ address, family }: ResolvedAddress): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (opts?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

export interface EgressResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: URL;
}

export interface EgressRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One request to a checked destination, following at most `limits.maxRedirects` redirects (GET only), each hop
 * checked the same way. The body is read up to `limits.maxBytes`; the whole exchange has `limits.timeoutMs`.
 */
export async function egressFetch(
  target: string | URL,
  request: EgressRequest,
  limits: FetchLimits,
  options: EgressOptions = {},
): Promise<EgressResponse> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  let current: string | URL = target;
  for (let hop = 0; ; hop++) {
    const destination = await checkDestination(current, {
      ...options,
      resolve: withinDeadline(options.resolve ?? defaultResolve, deadline, limits.timeoutMs),
    });
    const response = await exchange(destination, request, limits, options, deadline);
    const location = response.headers.location;
    if (response.status < 300 || response.status >= 400 || location === undefined) return response;
    if (hop >= limits.maxRedirects || request.method === 'POST') {
      throw refused(
        limits.maxRedirects === 0 || request.method === 'POST'
          ? `it redirects (HTTP ${response.status}) and redirects are not followed here`
          : `it redirects more than ${limits.maxRedirects} times`,
      );
    }
    try {
      current = new URL(location, destination.url);
    } catch {
      // The host chose the Location: a bad one is its refusal, not our failure.
      throw refused(
        `it redirects (HTTP ${response.status}) to ${JSON.stringify(location)}, which is not a valid URL`,
      );
    }
  }
}

/**
 * The resolver, cut off at the fetch's deadline: a name server that never answers (a caller can run one for its own
 * names) would otherwise hold the request for as long as the system resolver keeps trying, past the time cap.
 */
function withinDeadline(resolve: Resolver, deadline: AbortSignal, timeoutMs: number): Resolver {
  return (host) =>
    new Promise<ResolvedAddress[]>((fulfil, reject) => {
      const expired = (): void =>
        reject(new EgressError('failed', `the host ${host} did not resolve within ${timeoutMs} ms`));
      if (deadline.aborted) return expired();
      deadline.addEventListener('abort', expired, { once: true });
      resolve(host)
        .then(fulfil, reject)
        .finally(() => deadline.removeEventListener('abort', expired));
    });
}

function exchange(
  { url, address }: Destination,
  request: EgressRequest,
  limits: FetchLimits,
  options: EgressOptions,
  deadline: AbortSignal,
): Promise<EgressResponse> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<EgressResponse>((resolve, reject) => {
    if (deadline.aborted) return reject(new EgressError('failed', `no answer within ${limits.timeoutMs} ms`));
    const req = send(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: request.method ?? 'GET',
        headers: { ...request.headers, host: url.host },
        lookup: pinnedLookup(address),
        // SNI and the certificate check use the name the caller gave, not the address we connect to.
        servername: isIP(host) ? undefined : host,
        ca: options.ca,
        agent: false,
      },
      (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > limits.maxBytes) {
          res.destroy();
          return reject(refused(`its answer is ${declared} bytes, over the ${limits.maxBytes}-byte limit`));
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > limits.maxBytes) {
            res.destroy();
            reject(refused(`its answer is over the ${limits.maxBytes}-byte limit`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url }),
        );
        res.on('error', (err) => reject(new EgressError('failed', err.message)));
        res.on('close', () => {
          if (!res.complete) {
            reject(
              new EgressError(
                'failed',
                deadline.aborted
                  ? `no complete answer within ${limits.timeoutMs} ms`
                  : 'the answer was cut off',
              ),
            );
          }
        });
      },
    );
    const onAbort = (): void => {
      req.destroy(new EgressError('failed', `no complete answer within ${limits.timeoutMs} ms`));
    };
    deadline.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => deadline.removeEventListener('abort', onAbort));
    req.on('error', (err) =>
      reject(err instanceof EgressError ? err : new EgressError('failed', (err as Error).message)),
    );
    req.end(request.body);
  });
}
