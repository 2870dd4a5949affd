import { AllowedHosts } from './allowedHosts';
import { EgressPolicy, type EgressPolicyOptions } from './EgressPolicy';

const KEY = 'selfService.request.allowedHosts';
const UNLESS_ALLOWED = `; requests to it are refused unless ${KEY} allows it`;
const NEVER = `, which workflows may never call (${KEY} cannot allow it)`;

/** A policy like the local demo's: the backend at localhost:7007. */
function policy(
  allowedHosts: string[] = [],
  options: Omit<EgressPolicyOptions, 'allowedHosts'> = {},
) {
  return new EgressPolicy({
    allowedHosts: AllowedHosts.parse(allowedHosts, KEY),
    backendBaseUrl: 'http://localhost:7007',
    backendListenPort: 7007,
    ...options,
  });
}

function refusalOf(url: string, allowedHosts: string[] = []) {
  return policy(allowedHosts).checkUrl(new URL(url))?.message;
}

describe('EgressPolicy.checkUrl', () => {
  // The URLs the issue found saved with 201.
  it.each([
    [
      'http://169.254.169.254/latest/meta-data/',
      `169.254.169.254 is a cloud metadata service${NEVER}`,
    ],
    [
      'http://[::ffff:169.254.169.254]/',
      `[::ffff:a9fe:a9fe] is a cloud metadata service${NEVER}`,
    ],
    [
      'http://10.0.0.1/admin',
      `10.0.0.1 is a private address (10.0.0.0/8)${UNLESS_ALLOWED}`,
    ],
    [
      'http://metadata.google.internal/computeMetadata/v1/',
      `metadata.google.internal is a cloud metadata service${NEVER}`,
    ],
    [
      'http://localhost:7007/api/catalog/entities',
      `localhost:7007 is this Backstage backend (backend.baseUrl)${NEVER}`,
    ],
    [
      'http://0x7f000001:7007/',
      `127.0.0.1 is this machine, where this Backstage backend listens on port 7007${NEVER}`,
    ],
    [
      'http://127.1:7007/',
      `127.0.0.1 is this machine, where this Backstage backend listens on port 7007${NEVER}`,
    ],
  ])('refuses %s', (url, message) => {
    expect(refusalOf(url)).toBe(message);
  });

  it.each([
    // Numeric spellings: the WHATWG URL parser turns them into 127.0.0.1.
    ['http://0x7f000001/', 'a loopback address (127.0.0.0/8)'],
    ['http://127.1/', 'a loopback address (127.0.0.0/8)'],
    ['http://2130706433/', 'a loopback address (127.0.0.0/8)'],
    ['http://0177.0.0.1/', 'a loopback address (127.0.0.0/8)'],
    ['http://127.000.000.001/', 'a loopback address (127.0.0.0/8)'],
    ['http://0x7f.1/', 'a loopback address (127.0.0.0/8)'],
    ['http://127.0.0.1./', 'a loopback address (127.0.0.0/8)'],
    ['http://0xa9fea9fe/', 'a cloud metadata service'],
    ['http://0/', 'a "this network" address (0.0.0.0/8)'],
    ['http://172.16.5.4/', 'a private address (172.16.0.0/12)'],
    ['http://192.168.0.1/', 'a private address (192.168.0.0/16)'],
    ['http://169.254.1.1/', 'a link-local address (169.254.0.0/16)'],
    ['http://100.64.0.1/', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['http://224.0.0.251/', 'a multicast address (224.0.0.0/4)'],
    ['http://255.255.255.255/', 'the broadcast address (255.255.255.255/32)'],
    ['http://198.18.0.1/', 'a benchmarking address (198.18.0.0/15)'],
    [
      'http://192.0.0.170/',
      'an IETF protocol assignment address (192.0.0.0/24)',
    ],
    ['http://[::1]/', 'the loopback address (::1/128)'],
    ['http://[::]/', 'the unspecified address (::/128)'],
    ['http://[0:0:0:0:0:0:0:1]/', 'the loopback address (::1/128)'],
    ['http://[fe80::1]/', 'a link-local address (fe80::/10)'],
    ['http://[fd00::1]/', 'a unique-local address (fc00::/7)'],
    ['http://[ff02::1]/', 'a multicast address (ff00::/8)'],
    [
      'http://[::ffff:127.0.0.1]/',
      'the IPv4-mapped form of 127.0.0.1, a loopback address (127.0.0.0/8)',
    ],
    [
      'http://[::ffff:10.0.0.1]/',
      'the IPv4-mapped form of 10.0.0.1, a private address (10.0.0.0/8)',
    ],
    ['http://[::127.0.0.1]/', 'an IPv4-compatible address (::/96)'],
    [
      'http://[64:ff9b::10.0.0.1]/',
      'the NAT64 form of 10.0.0.1, a private address (10.0.0.0/8)',
    ],
    [
      'http://[2002:a9fe:a9fe::1]/',
      'a cloud metadata service', // 6to4 of 169.254.169.254
    ],
    ['http://localhost/', 'a loopback address (127.0.0.0/8)'],
    ['http://LOCALHOST./', 'a loopback address (127.0.0.0/8)'],
    ['http://api.localhost/', 'a loopback address (127.0.0.0/8)'],
    ['https://metadata.goog/', 'a cloud metadata service'],
    ['http://metadata/', 'a cloud metadata service'],
  ])('refuses %s as %s', (url, reason) => {
    expect(refusalOf(url)).toContain(reason);
  });

  it('names the host and the configuration key', () => {
    expect(refusalOf('http://localhost:8080/')).toBe(
      `localhost resolves to 127.0.0.1, a loopback address (127.0.0.0/8)${UNLESS_ALLOWED}`,
    );
    expect(refusalOf('http://[fd00::1]:8080/')).toBe(
      `[fd00::1] is a unique-local address (fc00::/7)${UNLESS_ALLOWED}`,
    );
  });

  it.each([
    ['https://api.example.com/hooks'],
    ['https://8.8.8.8/'],
    ['http://[2606:4700::1111]/'],
    ['http://[::ffff:8.8.8.8]/'],
    // Names are decided once resolved.
    ['http://internal.corp.example/'],
    ['http://localhost.example.com/'],
  ])('leaves %s to the connection', url => {
    expect(refusalOf(url)).toBeUndefined();
  });

  it('opens a name, at its port, with a host:port entry', () => {
    expect(refusalOf('http://localhost:7008/x', ['localhost:7008'])).toBe(
      undefined,
    );
    expect(refusalOf('http://localhost:7009/x', ['localhost:7008'])).toContain(
      'loopback',
    );
    // A name entry allows the name, not the addresses it stands for.
    expect(refusalOf('http://127.0.0.1:7008/x', ['localhost:7008'])).toContain(
      'loopback',
    );
  });

  it('opens addresses with a CIDR or address entry', () => {
    expect(refusalOf('http://127.0.0.1:4000/', ['127.0.0.1/32'])).toBe(
      undefined,
    );
    expect(refusalOf('http://[::ffff:127.0.0.1]:4000/', ['127.0.0.1/32'])).toBe(
      undefined,
    );
    expect(refusalOf('http://10.20.30.40/', ['10.0.0.0/8'])).toBeUndefined();
    expect(refusalOf('http://10.0.0.5:8080/', ['10.0.0.5:8080'])).toBe(
      undefined,
    );
    expect(refusalOf('http://10.0.0.5:8081/', ['10.0.0.5:8080'])).toContain(
      'private',
    );
    expect(refusalOf('http://[fd00::1]/', ['fd00::/8'])).toBeUndefined();
    // localhost stands for 127.0.0.1 and ::1: both must be open.
    expect(refusalOf('http://localhost:4000/', ['127.0.0.1/32'])).toContain(
      '::1',
    );
    expect(refusalOf('http://localhost:4000/', ['127.0.0.0/8', '::1'])).toBe(
      undefined,
    );
  });

  it('keeps metadata services and this backend refused whatever is allowed', () => {
    const everything = ['0.0.0.0/0', '::/0', 'localhost', 'metadata.goog:8080'];
    expect(refusalOf('http://169.254.169.254/', everything)).toContain(NEVER);
    expect(refusalOf('http://[fd00:ec2::254]/', everything)).toContain(NEVER);
    expect(refusalOf('http://100.100.100.200/', everything)).toContain(NEVER);
    expect(refusalOf('http://metadata.goog:8080/', everything)).toContain(
      NEVER,
    );
    expect(refusalOf('http://localhost:7007/', everything)).toContain(NEVER);
    expect(refusalOf('http://127.0.0.1:7007/', everything)).toContain(NEVER);
    expect(refusalOf('http://[::]:7007/', everything)).toContain(NEVER);
    expect(refusalOf('http://localhost:7008/', everything)).toBeUndefined();
    expect(refusalOf('http://10.0.0.1/', everything)).toBeUndefined();
  });

  it('refuses the backend by its base URL, including the default port', () => {
    const behindProxy = new EgressPolicy({
      backendBaseUrl: 'https://backstage.example.com',
      backendListenPort: 7007,
    });
    expect(
      behindProxy.checkUrl(new URL('https://Backstage.Example.com/api/x'))
        ?.message,
    ).toBe(
      `backstage.example.com:443 is this Backstage backend (backend.baseUrl)${NEVER}`,
    );
    expect(
      behindProxy.checkUrl(new URL('https://backstage.example.com:8443/')),
    ).toBeUndefined();
  });
});

describe('EgressPolicy.checkConnection', () => {
  const connect = (
    p: EgressPolicy,
    hostname: string,
    addresses: string[],
    port = 443,
  ) => p.checkConnection({ hostname, port, addresses })?.message;

  it('refuses a name that resolves to a refused address, naming both', () => {
    expect(connect(policy(), 'ci.example.com', ['10.0.0.1'])).toBe(
      `ci.example.com resolves to 10.0.0.1, a private address (10.0.0.0/8)${UNLESS_ALLOWED}`,
    );
    expect(
      connect(policy(), 'rebind.example.com', ['::ffff:169.254.169.254']),
    ).toBe(
      `rebind.example.com resolves to ::ffff:169.254.169.254, a cloud metadata service${NEVER}`,
    );
    expect(
      policy().checkConnection({
        hostname: 'ci.example.com',
        port: 443,
        addresses: ['10.0.0.1'],
      }),
    ).toMatchObject({ host: 'ci.example.com', address: '10.0.0.1' });
  });

  it('allows a name that resolves to public addresses', () => {
    expect(
      connect(policy(), 'api.example.com', ['93.184.216.34', '2606:2800::1']),
    ).toBeUndefined();
  });

  it('checks every address: one refused refuses the connection', () => {
    expect(
      connect(policy(['127.0.0.1/32']), 'mixed.example.com', [
        '127.0.0.1',
        '10.0.0.1',
      ]),
    ).toContain('resolves to 10.0.0.1, a private address');
    expect(
      connect(policy(), 'mixed.example.com', ['93.184.216.34', '127.0.0.1']),
    ).toContain('resolves to 127.0.0.1, a loopback address');
  });

  it('trusts an allowed name wherever it resolves, except metadata and the backend', () => {
    const allowed = policy(['ci.internal', '*.corp.example']);
    expect(connect(allowed, 'ci.internal', ['10.0.0.1'])).toBeUndefined();
    expect(connect(allowed, 'ci.corp.example', ['fd00::5'])).toBeUndefined();
    expect(connect(allowed, 'other.internal', ['10.0.0.1'])).toContain(
      UNLESS_ALLOWED,
    );
    expect(connect(allowed, 'ci.internal', ['169.254.169.254'])).toContain(
      NEVER,
    );
    expect(connect(allowed, 'ci.internal', ['127.0.0.1'], 7007)).toContain(
      'this machine, where this Backstage backend listens on port 7007',
    );
  });

  it('refuses this machine at the listen port, by any name or address', () => {
    const onNetwork = policy(['10.0.0.0/8'], { localAddresses: ['10.1.2.3'] });
    expect(connect(onNetwork, 'backstage.internal', ['10.1.2.3'], 7007)).toBe(
      `backstage.internal resolves to 10.1.2.3, this machine, where this Backstage backend listens on port 7007${NEVER}`,
    );
    expect(connect(onNetwork, '10.1.2.3', ['10.1.2.3'], 7007)).toBe(
      `10.1.2.3 is this machine, where this Backstage backend listens on port 7007${NEVER}`,
    );
    expect(connect(onNetwork, '10.1.2.3', ['10.1.2.3'], 8080)).toBeUndefined();
    expect(connect(onNetwork, '10.1.2.4', ['10.1.2.4'], 7007)).toBeUndefined();
    expect(
      connect(onNetwork, 'localhost', ['::ffff:127.0.0.1'], 7007),
    ).toContain(NEVER);
  });

  it('refuses what the URL check refuses', () => {
    expect(connect(policy(), 'localhost', ['127.0.0.1'], 7007)).toBe(
      `localhost:7007 is this Backstage backend (backend.baseUrl)${NEVER}`,
    );
    expect(
      connect(policy(), 'metadata.google.internal', ['8.8.8.8'], 80),
    ).toContain('a cloud metadata service');
    expect(connect(policy(), '::1', ['::1'])).toBe(
      `::1 is the loopback address (::1/128)${UNLESS_ALLOWED}`,
    );
  });

  it('refuses an answer that is not an address', () => {
    expect(connect(policy(), 'odd.example.com', ['not-an-ip'])).toContain(
      'resolves to not-an-ip, not an IP address',
    );
  });
});
