import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A parsed IPv4 or IPv6 address. */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * An address in a standard spelling only: dotted-quad IPv4, or IPv6 with or
 * without brackets. Never the shorthands `127.1`, `0x7f000001` or
 * `2130706433`, which ipaddr.js (like inet_aton) would also read: URL hosts
 * arrive normalised by the WHATWG parser, resolvers answer in standard form,
 * and a configured address should say plainly what it is.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  const bare =
    text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // A zone (`fe80::1%eth0`) names an interface, not another address.
  const [address] = bare.split('%');
  switch (isIP(address)) {
    case 4:
      return ipaddr.IPv4.parse(address);
    case 6:
      return ipaddr.IPv6.parse(withHexTail(address));
    default:
      return undefined;
  }
}

/**
 * ipaddr.js reads `::a.b.c.d` as the IPv4-mapped `::ffff:a.b.c.d`; with the
 * dotted tail written as two hex groups, an IPv4-compatible address stays one.
 */
function withHexTail(address: string): string {
  return address.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_match, a, b, c, d) =>
      `${((Number(a) << 8) | Number(b)).toString(16)}:${(
        (Number(c) << 8) |
        Number(d)
      ).toString(16)}`,
  );
}

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16');

/** How an IPv6 address carries the IPv4 address it reaches. */
export type IPv4Embedding = 'IPv4-mapped' | 'NAT64' | '6to4';

/**
 * The IPv4 address an IPv6 address reaches, for the forms that reach one:
 * IPv4-mapped (`::ffff:a.b.c.d`, the socket connects to a.b.c.d itself),
 * NAT64 (`64:ff9b::a.b.c.d`, translated by the network's NAT64 gateway) and
 * 6to4 (`2002:aabb:ccdd::/48`, tunnelled to aa.bb.cc.dd).
 */
export function embeddedIPv4(
  address: IpAddress,
): { address: ipaddr.IPv4; embedding: IPv4Embedding } | undefined {
  if (address.kind() !== 'ipv6') {
    return undefined;
  }
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) {
    return { address: v6.toIPv4Address(), embedding: 'IPv4-mapped' };
  }
  const [, p1, p2, , , , p6, p7] = v6.parts;
  if (v6.match(NAT64)) {
    return { address: fromWords(p6, p7), embedding: 'NAT64' };
  }
  if (v6.match(SIX_TO_FOUR)) {
    return { address: fromWords(p1, p2), embedding: '6to4' };
  }
  return undefined;
}

function fromWords(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
