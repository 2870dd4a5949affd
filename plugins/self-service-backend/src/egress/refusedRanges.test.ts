import ipaddr from 'ipaddr.js';
import { parseIpAddress } from './ipAddress';
import { refusedRangeOf } from './refusedRanges';

const refused = (address: string) => refusedRangeOf(parseIpAddress(address)!);

describe('refusedRangeOf', () => {
  it.each([
    ['127.0.0.1', 'a loopback address (127.0.0.0/8)'],
    ['127.255.255.254', 'a loopback address (127.0.0.0/8)'],
    ['10.0.0.1', 'a private address (10.0.0.0/8)'],
    ['172.16.0.1', 'a private address (172.16.0.0/12)'],
    ['172.31.255.255', 'a private address (172.16.0.0/12)'],
    ['192.168.1.1', 'a private address (192.168.0.0/16)'],
    ['169.254.169.254', 'a link-local address (169.254.0.0/16)'],
    ['100.64.0.1', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['100.127.255.255', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['0.0.0.0', 'a "this network" address (0.0.0.0/8)'],
    ['0.1.2.3', 'a "this network" address (0.0.0.0/8)'],
    ['224.0.0.1', 'a multicast address (224.0.0.0/4)'],
    ['239.255.255.250', 'a multicast address (224.0.0.0/4)'],
    ['255.255.255.255', 'the broadcast address (255.255.255.255/32)'],
    ['240.0.0.1', 'a reserved address (240.0.0.0/4)'],
    ['192.0.0.8', 'an IETF protocol assignment address (192.0.0.0/24)'],
    ['198.18.0.1', 'a benchmarking address (198.18.0.0/15)'],
    ['198.19.255.255', 'a benchmarking address (198.18.0.0/15)'],
    ['192.0.2.1', 'a documentation address (192.0.2.0/24)'],
    ['::', 'the unspecified address (::/128)'],
    ['::1', 'the loopback address (::1/128)'],
    ['fe80::1', 'a link-local address (fe80::/10)'],
    ['febf::1', 'a link-local address (fe80::/10)'],
    ['fc00::1', 'a unique-local address (fc00::/7)'],
    ['fd12:3456::1', 'a unique-local address (fc00::/7)'],
    ['ff02::1', 'a multicast address (ff00::/8)'],
    ['fec0::1', 'a site-local address (fec0::/10)'],
    ['::7f00:1', 'an IPv4-compatible address (::/96)'],
    ['::808:808', 'an IPv4-compatible address (::/96)'],
    ['::ffff:0:a00:1', 'an IPv4-translated address (::ffff:0:0:0/96)'],
    ['2001::1', 'an IETF protocol assignment address (2001::/23)'],
    ['2001:db8::1', 'a documentation address (2001:db8::/32)'],
    [
      '::ffff:7f00:1',
      'the IPv4-mapped form of 127.0.0.1, a loopback address (127.0.0.0/8)',
    ],
    [
      '::ffff:a9fe:a9fe',
      'the IPv4-mapped form of 169.254.169.254, a link-local address (169.254.0.0/16)',
    ],
    [
      '::ffff:a00:1',
      'the IPv4-mapped form of 10.0.0.1, a private address (10.0.0.0/8)',
    ],
    [
      '64:ff9b::a00:1',
      'the NAT64 form of 10.0.0.1, a private address (10.0.0.0/8)',
    ],
    [
      '64:ff9b::6440:1',
      'the NAT64 form of 100.64.0.1, a carrier-grade NAT address (100.64.0.0/10)',
    ],
    [
      '2002:7f00:1::1',
      'the 6to4 form of 127.0.0.1, a loopback address (127.0.0.0/8)',
    ],
  ])('refuses %s as %s', (address, reason) => {
    expect(refused(address)).toBe(reason);
  });

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['11.0.0.1'],
    ['100.63.255.255'],
    ['100.128.0.1'],
    ['169.253.255.255'],
    ['172.15.255.255'],
    ['172.32.0.1'],
    ['192.169.0.1'],
    ['198.20.0.1'],
    ['223.255.255.255'],
    ['2606:4700::1111'],
    ['2a00:1450:4001::200e'],
    // Public IPv4 in IPv6 forms: IPv6-only networks reach the internet so.
    ['::ffff:808:808'],
    ['64:ff9b::808:808'],
    ['2002:808:808::1'],
  ])('allows the public address %s', address => {
    expect(refused(address)).toBeUndefined();
  });

  // The list is written out; these samples check it against the range names
  // ipaddr.js gives, so a range it knows cannot be missed by accident.
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['169.254.1.1', 'linkLocal'],
    ['127.0.0.1', 'loopback'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.0.1', 'private'],
    ['192.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['192.88.99.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.1', 'reserved'],
    ['203.0.113.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['::1', 'loopback'],
    ['fd00::1', 'uniqueLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['100::1', 'discard'],
    ['::ffff:0:a00:1', 'rfc6145'],
    ['64:ff9b:1::1', 'rfc6052'],
    ['2001::1', 'teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:3::1', 'amt'],
    ['2001:4:112::1', 'as112v6'],
    ['2001:10::1', 'deprecatedOrchid'],
    ['2001:20::1', 'orchid2'],
    ['2001:30::1', 'droneRemoteIdProtocolEntityTags'],
    ['5f00::1', 'segmentRouting'],
    ['2001:db8::1', 'reserved'],
    ['3fff::1', 'reserved'],
    ['2001:1ff::1', 'reserved'],
  ])('refuses %s, which ipaddr.js calls %s', (address, name) => {
    expect(ipaddr.parse(address).range()).toBe(name);
    expect(refused(address)).toBeDefined();
  });

  // Globally reachable anycast services ipaddr.js names, deliberately left
  // open: they are public addresses.
  it.each([
    ['192.175.48.1', 'as112'],
    ['192.52.193.1', 'amt'],
    ['2620:4f:8000::1', 'as112v6'],
  ])('allows %s, which ipaddr.js calls %s', (address, name) => {
    expect(ipaddr.parse(address).range()).toBe(name);
    expect(refused(address)).toBeUndefined();
  });
});
