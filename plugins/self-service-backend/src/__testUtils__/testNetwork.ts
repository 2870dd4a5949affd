import dns from 'node:dns';
import net from 'node:net';

/**
 * The network every test of this package runs on (installed for each test
 * file by `src/setupTests.ts`): loopback only. Outgoing requests are the
 * plugin's business, so a mistake in where they may go must never reach a
 * real address, not even from a test.
 *
 * - A TCP connection to anything outside 127.0.0.0/8 and ::1 is refused
 *   before it is made and fails the test (in `afterEach`), even when the code
 *   under test swallows the error.
 * - Host names resolve only to what a test maps with `mapHost`, and
 *   `localhost`; every other name is not found, so no DNS query leaves the
 *   machine and no test depends on the outside world.
 * - `connections` lists every address a socket was about to connect to, so a
 *   test can show that a refused request never got that far.
 */
export interface TestNetwork {
  /** Makes `hostname` resolve to `addresses` for the current test. */
  mapHost(hostname: string, addresses: string[]): void;
  /** Addresses sockets were about to connect to, refused ones included. */
  readonly connections: ReadonlyArray<{ address: string; port: number }>;
  /** The refused connections so far, which are then forgotten. */
  takeViolations(): string[];
}

const violations: string[] = [];
const connections: Array<{ address: string; port: number }> = [];
const mappedHosts = new Map<string, string[]>();

export const testNetwork: TestNetwork = {
  mapHost(hostname, addresses) {
    mappedHosts.set(hostname.toLowerCase(), addresses);
  },
  connections,
  takeViolations() {
    return violations.splice(0);
  },
};

function isLoopback(address: string): boolean {
  const kind = net.isIP(address);
  if (kind === 4) {
    return address.startsWith('127.');
  }
  const lower = address.toLowerCase();
  return (
    kind === 6 &&
    (lower === '::1' ||
      lower === '0:0:0:0:0:0:0:1' ||
      /^::ffff:127\.\d+\.\d+\.\d+$/.test(lower))
  );
}

/** Only `localhost` itself: /etc/hosts answers it without asking DNS. */
function isLocalName(hostname: string): boolean {
  return hostname.toLowerCase().replace(/\.$/, '') === 'localhost';
}

function refusal(address: string, port: number): Error {
  const message = `Test network: a connection to ${address}:${port} was attempted; tests may only connect to 127.0.0.0/8 and ::1`;
  violations.push(message);
  return Object.assign(new Error(message), { code: 'ETESTNETWORK' });
}

function notFound(hostname: string): Error {
  return Object.assign(
    new Error(
      `getaddrinfo ENOTFOUND ${hostname} (test network: map it with testNetwork.mapHost)`,
    ),
    { code: 'ENOTFOUND', hostname, syscall: 'getaddrinfo' },
  );
}

type LookupCallback = (
  error: Error | null,
  address?: string | dns.LookupAddress[],
  family?: number,
) => void;
type Lookup = (
  hostname: string,
  options: dns.LookupOptions,
  callback: LookupCallback,
) => void;

function familyOf(options: unknown): number {
  const family =
    typeof options === 'number'
      ? options
      : (options as dns.LookupOptions | undefined)?.family;
  if (family === 'IPv4') {
    return 4;
  }
  if (family === 'IPv6') {
    return 6;
  }
  return typeof family === 'number' ? family : 0;
}

/** Answers a lookup for a mapped name the way `dns.lookup` would. */
function answerMapped(
  addresses: string[],
  hostname: string,
  options: unknown,
  callback: LookupCallback,
) {
  const family = familyOf(options);
  const found = addresses
    .map(address => ({ address, family: net.isIP(address) }))
    .filter(a => family === 0 || a.family === family);
  process.nextTick(() => {
    if (found.length === 0) {
      callback(notFound(hostname));
    } else if ((options as dns.LookupOptions | undefined)?.all) {
      callback(null, found);
    } else {
      callback(null, found[0].address, found[0].family);
    }
  });
}

const originalLookup = dns.lookup;
const originalPromisesLookup = dns.promises.lookup;
const originalConnect = net.Socket.prototype.connect;

function testLookup(
  hostname: string,
  optionsOrCallback: unknown,
  maybeCallback?: LookupCallback,
) {
  const callback = (
    typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback
  ) as LookupCallback;
  const options =
    typeof optionsOrCallback === 'function' ? {} : optionsOrCallback;
  const mapped = mappedHosts.get(String(hostname).toLowerCase());
  if (mapped) {
    answerMapped(mapped, hostname, options, callback);
  } else if (net.isIP(hostname) || isLocalName(hostname)) {
    (originalLookup as Function).call(dns, hostname, options, callback);
  } else {
    process.nextTick(() => callback(notFound(hostname)));
  }
}

async function testPromisesLookup(hostname: string, options?: unknown) {
  return new Promise((resolve, reject) => {
    testLookup(hostname, options ?? {}, (error, address, family) =>
      error
        ? reject(error)
        : resolve(Array.isArray(address) ? address : { address, family }),
    );
  });
}

/** Wraps the lookup a socket would use, to see the addresses it returns. */
function checkingLookup(lookup: Lookup, port: number): Lookup {
  return (hostname, options, callback) =>
    lookup(hostname, options, (error, address, family) => {
      if (error) {
        callback(error);
        return;
      }
      const addresses = Array.isArray(address)
        ? address.map(a => a.address)
        : [address as string];
      addresses.forEach(a => connections.push({ address: a, port }));
      const refused = addresses.find(a => !isLoopback(a));
      if (refused !== undefined) {
        callback(refusal(refused, port));
        return;
      }
      callback(null, address, family);
    });
}

/**
 * `Socket#connect`, through which every TCP client connects (`net.connect`,
 * `tls.connect`, `http` agents, `fetch`, database drivers): literal
 * addresses are checked here, names where they resolve.
 */
function loopbackOnlyConnect(this: net.Socket, ...args: unknown[]) {
  // net.connect passes its normalised arguments as one array.
  const normalised = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const [first, ...rest] = normalised;
  let options: net.TcpSocketConnectOpts | undefined;
  if (typeof first === 'object' && first !== null) {
    const given = first as Partial<
      net.TcpSocketConnectOpts & { path: string | null }
    >;
    // As net decides: a path (even beside a host) means a Unix socket.
    if (!given.path) {
      options = { ...given } as net.TcpSocketConnectOpts;
    }
  } else if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    options = {
      port: Number(first),
      host: typeof rest[0] === 'string' ? rest[0] : undefined,
    };
    if (typeof rest[0] === 'string') {
      rest.shift();
    }
  }
  if (!options) {
    // A Unix socket or pipe: local by definition.
    return originalConnect.apply(this, args as any);
  }
  const host = options.host ?? 'localhost';
  const port = Number(options.port);
  if (net.isIP(host)) {
    connections.push({ address: host, port });
    if (!isLoopback(host)) {
      const error = refusal(host, port);
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return originalConnect.apply(this, [options, ...rest] as any);
  }
  const lookup = (options.lookup ?? dns.lookup) as unknown as Lookup;
  return originalConnect.apply(this, [
    { ...options, lookup: checkingLookup(lookup, port) },
    ...rest,
  ] as any);
}

/** Puts the test network in place; see {@link TestNetwork}. */
export function installTestNetwork(): void {
  dns.lookup = testLookup as typeof dns.lookup;
  dns.promises.lookup = testPromisesLookup as typeof dns.promises.lookup;
  net.Socket.prototype.connect =
    loopbackOnlyConnect as typeof net.Socket.prototype.connect;
}

/**
 * Core modules are shared by the test files a Jest worker runs, so each file
 * puts back what it found.
 */
export function uninstallTestNetwork(): void {
  dns.lookup = originalLookup;
  dns.promises.lookup = originalPromisesLookup;
  net.Socket.prototype.connect = originalConnect;
}

/** Forgets the current test's mapped names and recorded connections. */
export function resetTestNetwork(): void {
  mappedHosts.clear();
  connections.splice(0);
}
