// Where a webhook may point (SSRF): http(s) only, no credentials in the URL, and — unless
// EXHAUST_WEBHOOK_ALLOW_PRIVATE — never an address of the service's own network: loopback, private,
// link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, unspecified. Checked
// at registration, and again at every delivery on the address actually connected to (a DNS answer
// may change between the two).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const PRIVATE = new BlockList();
const V4 = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const;
const V6 = [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const;
for (const [network, prefix] of V4) PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of V6) PRIVATE.addSubnet(network, prefix, 'ipv6');

/** True for an address the service must not call on a client's behalf (and for anything not an address). */
function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4-mapped IPv6 address reaches the IPv4 one: judged as that.
  const mapped = mappedIpv4(address);
  return mapped !== undefined ? PRIVATE.check(mapped, 'ipv4') : PRIVATE.check(address, 'ipv6');
}

function mappedIpv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  // The URL parser writes [::ffff:127.0.0.1] as [::ffff:7f00:1].
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Why a URL may not be a webhook endpoint; undefined when it may. Resolves the host name. */
export async function endpointProblem(raw: string, allowPrivate: boolean): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be http or https';
  if (url.username || url.password) return 'url must not carry credentials (the signature authenticates the service)';
  if (allowPrivate) return undefined;
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return `url: the host ${host} cannot be resolved`;
  }
  const inside = addresses.find(isPrivateAddress);
  return inside === undefined ? undefined : refusal(host, inside);
}

const refusal = (host: string, address: string) =>
  `url: ${host} is a loopback, private or link-local address (${address}); set EXHAUST_WEBHOOK_ALLOW_PRIVATE=1 to allow it`;

/** The host of a URL as a name or a bare address ([::1] → ::1). */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Refuses a literal address at once (Node connects to those without a lookup). */
export function literalRefusal(url: URL): string | undefined {
  const host = hostOf(url);
  return isIP(host) && isPrivateAddress(host) ? refusal(host, host) : undefined;
}

/**
 * A DNS lookup for http.request that fails when any answer is private, so a delivery never connects to
 * an inside address whatever the name resolves to by then.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 4);
    const inside = addresses.find((a) => isPrivateAddress(a.address));
    if (inside) return callback(Object.assign(new Error(refusal(hostname, inside.address)), { code: 'EXHAUST_PRIVATE_ADDRESS' }), '', 4);
    if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};
