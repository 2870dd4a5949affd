import { embeddedIPv4, parseIpAddress } from './ipAddress';

describe('parseIpAddress', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['[::ffff:169.254.169.254]', '::ffff:a9fe:a9fe'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('reads %s', (text, expected) => {
    expect(parseIpAddress(text)?.toString()).toBe(expected);
  });

  it.each([['127.1'], ['0x7f000001'], ['2130706433'], ['0177.0.0.1'], ['']])(
    'does not read the shorthand or non-address %j',
    text => {
      expect(parseIpAddress(text)).toBeUndefined();
    },
  );

  it('keeps an IPv4-compatible address apart from an IPv4-mapped one', () => {
    // ipaddr.js alone reads ::8.8.8.8 as ::ffff:8.8.8.8.
    expect(parseIpAddress('::8.8.8.8')?.toString()).toBe('::808:808');
    expect(parseIpAddress('::ffff:8.8.8.8')?.toString()).toBe('::ffff:808:808');
  });
});

describe('embeddedIPv4', () => {
  it.each([
    ['::ffff:a9fe:a9fe', '169.254.169.254', 'IPv4-mapped'],
    ['64:ff9b::a00:1', '10.0.0.1', 'NAT64'],
    ['2002:a00:1::1', '10.0.0.1', '6to4'],
  ])('finds the address in %s', (text, address, embedding) => {
    const embedded = embeddedIPv4(parseIpAddress(text)!);
    expect(embedded?.address.toString()).toBe(address);
    expect(embedded?.embedding).toBe(embedding);
  });

  it.each([['10.0.0.1'], ['2606:4700::1111'], ['::7f00:1']])(
    'finds none in %s',
    text => {
      expect(embeddedIPv4(parseIpAddress(text)!)).toBeUndefined();
    },
  );
});
