import { AllowedHosts, parseAllowedHost } from './allowedHosts';
import { parseIpAddress } from './ipAddress';

const KEY = 'selfService.request.allowedHosts';

function hosts(...entries: string[]) {
  return AllowedHosts.parse(entries, KEY);
}

describe('parseAllowedHost', () => {
  it.each([
    [
      'ci.example.com',
      { kind: 'name', name: 'ci.example.com', subdomains: false },
    ],
    [
      'CI.Example.com.',
      { kind: 'name', name: 'ci.example.com', subdomains: false },
    ],
    ['localhost:7008', { kind: 'name', name: 'localhost', port: 7008 }],
    [
      '*.corp.example',
      { kind: 'name', name: 'corp.example', subdomains: true },
    ],
    ['bücher.example', { kind: 'name', name: 'xn--bcher-kva.example' }],
    ['10.1.2.3', { kind: 'network' }],
    ['10.1.2.3:8080', { kind: 'network', port: 8080 }],
    ['fd00::1', { kind: 'network' }],
    ['[fd00::1]:8080', { kind: 'network', port: 8080 }],
    ['10.0.0.0/8', { kind: 'network' }],
    ['fd00::/8', { kind: 'network' }],
    ['0.0.0.0/0', { kind: 'network' }],
  ])('reads %s', (entry, expected) => {
    expect(parseAllowedHost(entry, `${KEY}[0]`)).toMatchObject(expected);
  });

  it.each([
    ['', 'is empty'],
    ['http://ci.example.com', 'is not a host name'],
    ['ci.example.com/path', 'is not a host name'],
    ['*', 'is not a host name'],
    ['ci.*.example', 'is not a host name'],
    ['a b', 'is not a host name'],
    ['ci.example.com:0', 'has a port outside 1-65535'],
    ['ci.example.com:99999', 'has a port outside 1-65535'],
    ['10.0.0.0/33', 'has a prefix longer than 32 bits'],
    ['fd00::/129', 'has a prefix longer than 128 bits'],
    ['10.0.0.1/8', 'has bits set past its prefix; the network is 10.0.0.0/8'],
    ['10.0.0.0/8:80', 'is not a host name'],
    ['127.1', 'is an IP address written unusually; write it as 127.0.0.1'],
    ['0x7f000001', 'is an IP address written unusually; write it as 127.0.0.1'],
    ['[10.0.0.1]', 'is not a host name'],
  ])('refuses %j, saying it %s', (entry, message) => {
    expect(() => parseAllowedHost(entry, `${KEY}[3]`)).toThrow(
      `${KEY}[3]: '${entry}' ${message}`,
    );
  });
});

describe('AllowedHosts', () => {
  it('matches a name exactly, at its port when it has one', () => {
    const allowed = hosts('localhost:7008', 'ci.example.com');
    expect(allowed.matchName('localhost', 7008)?.entry).toBe('localhost:7008');
    expect(allowed.matchName('localhost.', 7008)?.entry).toBe('localhost:7008');
    expect(allowed.matchName('localhost', 7009)).toBeUndefined();
    expect(allowed.matchName('ci.example.com', 443)?.entry).toBe(
      'ci.example.com',
    );
    expect(allowed.matchName('ci.example.com.evil.test', 443)).toBeUndefined();
    expect(allowed.matchName('evilci.example.com', 443)).toBeUndefined();
  });

  it('matches the names below a wildcard, not the domain itself', () => {
    const allowed = hosts('*.corp.example');
    expect(allowed.matchName('ci.corp.example', 80)).toBeDefined();
    expect(allowed.matchName('a.b.corp.example', 80)).toBeDefined();
    expect(allowed.matchName('corp.example', 80)).toBeUndefined();
    expect(allowed.matchName('evilcorp.example', 80)).toBeUndefined();
  });

  it('matches addresses in a network, at its port when it has one', () => {
    const allowed = hosts('10.0.0.0/8', '192.168.1.5:8080', '[fd00::1]:443');
    const at = (address: string, port: number) =>
      allowed.matchAddress(parseIpAddress(address)!, port)?.entry;
    expect(at('10.200.0.1', 80)).toBe('10.0.0.0/8');
    expect(at('11.0.0.1', 80)).toBeUndefined();
    expect(at('192.168.1.5', 8080)).toBe('192.168.1.5:8080');
    expect(at('192.168.1.5', 80)).toBeUndefined();
    expect(at('fd00::1', 443)).toBe('[fd00::1]:443');
    expect(at('fd00::2', 443)).toBeUndefined();
  });

  it('never matches a name with an address entry or the other way round', () => {
    const allowed = hosts('127.0.0.1', 'localhost');
    expect(allowed.matchName('127.0.0.1', 80)).toBeUndefined();
    expect(allowed.matchAddress(parseIpAddress('127.0.0.2')!, 80)).toBe(
      undefined,
    );
  });

  it('names the entry that is wrong', () => {
    expect(() => hosts('ci.example.com', 'http://x')).toThrow(
      "selfService.request.allowedHosts[1]: 'http://x' is not a host name",
    );
  });
});
