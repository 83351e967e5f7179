// Outbound URLs chosen by callers (input images, webhooks) may only reach public internet addresses: never loopback,
// private ranges, link-local (the metadata server) or multicast. Resolves the host and checks every address.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['::ffff:0:0', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** Why the URL's host may not be contacted, or undefined when every address it resolves to is public. */
export async function nonPublicReason(url: URL): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return `The host ${host} could not be resolved.`;
  }
  const found = addresses.find((a) => blocked.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
  return found ? `It resolves to ${found}, a private or local address, which is never contacted.` : undefined;
}
