import ipaddr from 'ipaddr.js';
import { embeddedIPv4, type IpAddress } from './ipAddress';

/**
 * Addresses a workflow's request is refused by default: everything that is
 * not an ordinary public unicast address. Internal networks, this machine
 * and the cloud's link-local services are what a forged request (SSRF)
 * reaches for; the unroutable and reserved rest has no legitimate receiver,
 * and is all too often reused as internal address space.
 *
 * Written out rather than taken from ipaddr.js's `range()` names, so the list
 * reads as a policy; the tests check it against those names. The IANA
 * special-purpose registries list what each range is for.
 */
const REFUSED: ReadonlyArray<[cidr: string, name: string]> = [
  // IPv4
  ['255.255.255.255/32', 'the broadcast address'],
  // Connecting to 0.0.0.0 reaches this machine.
  ['0.0.0.0/8', 'a "this network" address'],
  ['10.0.0.0/8', 'a private address'], // RFC 1918
  ['100.64.0.0/10', 'a carrier-grade NAT address'], // RFC 6598; Alibaba Cloud's metadata is here
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address'], // cloud metadata services
  ['172.16.0.0/12', 'a private address'], // RFC 1918
  ['192.0.0.0/24', 'an IETF protocol assignment address'],
  ['192.0.2.0/24', 'a documentation address'],
  ['192.88.99.0/24', 'a 6to4 relay address'], // deprecated anycast
  ['192.168.0.0/16', 'a private address'], // RFC 1918
  ['198.18.0.0/15', 'a benchmarking address'], // RFC 2544
  ['198.51.100.0/24', 'a documentation address'],
  ['203.0.113.0/24', 'a documentation address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved address'],
  // IPv6
  ['::/128', 'the unspecified address'],
  ['::1/128', 'the loopback address'],
  // Deprecated IPv4-compatible addresses (::a.b.c.d): refused whatever they
  // embed, nothing legitimate uses them.
  ['::/96', 'an IPv4-compatible address'],
  ['::ffff:0:0:0/96', 'an IPv4-translated address'], // RFC 6145
  ['64:ff9b:1::/48', 'a local-use NAT64 address'], // RFC 8215
  ['100::/64', 'a discard-only address'], // RFC 6666
  // Teredo tunnels (which embed IPv4 addresses), benchmarking, AMT, AS112,
  // ORCHID: protocol plumbing, never a workflow's receiver.
  ['2001::/23', 'an IETF protocol assignment address'],
  ['2001:db8::/32', 'a documentation address'],
  ['3fff::/20', 'a documentation address'], // RFC 9637
  ['5f00::/16', 'a segment-routing address'], // RFC 9602
  ['fc00::/7', 'a unique-local address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address'], // deprecated
  ['ff00::/8', 'a multicast address'],
];

const RANGES = REFUSED.map(([cidr, name]) => ({
  cidr,
  name,
  range: ipaddr.parseCIDR(cidr),
}));

function ownRange(address: IpAddress): string | undefined {
  const found = RANGES.find(
    ({ range }) => range[0].kind() === address.kind() && address.match(range),
  );
  return found && `${found.name} (${found.cidr})`;
}

/**
 * Why an address is refused by default, as a phrase like `a private address
 * (10.0.0.0/8)`, or undefined for a public address. An IPv6 address that
 * reaches an IPv4 address (IPv4-mapped, NAT64, 6to4) is refused as that
 * address would be: `the NAT64 form of 10.0.0.1, a private address
 * (10.0.0.0/8)`. Public ones stay allowed, since IPv6-only networks reach
 * the IPv4 internet that way.
 */
export function refusedRangeOf(address: IpAddress): string | undefined {
  const embedded = embeddedIPv4(address);
  if (embedded) {
    const reason = ownRange(embedded.address);
    return (
      reason &&
      `the ${
        embedded.embedding
      } form of ${embedded.address.toString()}, ${reason}`
    );
  }
  return ownRange(address);
}
