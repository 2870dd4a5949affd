import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { type IpAddress, parseIpAddress } from './ipAddress';

/** One `selfService.request.allowedHosts` entry. */
export type AllowedHost =
  | {
      kind: 'name';
      /** The entry as configured. */
      entry: string;
      /** Lowercase, without a trailing dot. */
      name: string;
      /** `*.example.com`: any name below example.com, not example.com. */
      subdomains: boolean;
      /** Only this port; any port when absent. */
      port?: number;
    }
  | {
      kind: 'network';
      entry: string;
      /** A single address is a /32 or /128. */
      range: [IpAddress, number];
      port?: number;
    };

const USAGE =
  'is not a host name, host:port, IP address, IP:port, [IPv6]:port or CIDR like 10.0.0.0/8';

function readPort(text: string, fail: (why: string) => never): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail('has a port outside 1-65535');
  }
  return port;
}

/**
 * A host name as a URL would hold it: lowercase, IDNs in punycode, without
 * a trailing dot; undefined when a URL could not have it as its host.
 */
function normaliseHostname(host: string): string | undefined {
  if (!/^[^\s/?#@\\[\]%*:]+$/.test(host)) {
    return undefined;
  }
  try {
    return new URL(`http://${host}/`).hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

function networkAddress(address: IpAddress, prefix: number): IpAddress {
  const cidr = `${address.toString()}/${prefix}`;
  return address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
    : ipaddr.IPv6.networkAddressFromCIDR(cidr);
}

function parseNetwork(
  entry: string,
  fail: (why: string) => never,
): AllowedHost {
  const [ip, bits, ...rest] = entry.split('/');
  const address = ip.startsWith('[') ? undefined : parseIpAddress(ip);
  if (!address || rest.length > 0 || !/^\d{1,3}$/.test(bits)) {
    return fail(USAGE);
  }
  const prefix = Number(bits);
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (prefix > max) {
    fail(`has a prefix longer than ${max} bits`);
  }
  const network = networkAddress(address, prefix);
  if (network.toNormalizedString() !== address.toNormalizedString()) {
    // 10.0.0.1/8 may mean 10.0.0.0/8 or 10.0.0.1/32: ask rather than guess.
    fail(
      `has bits set past its prefix; the network is ${network.toString()}/${prefix}`,
    );
  }
  return { kind: 'network', entry, range: [address, prefix] };
}

/**
 * Parses one entry: `ci.example.com`, `ci.example.com:8443`,
 * `*.corp.example.com`, `10.1.2.3`, `10.1.2.3:8080`, `fd00::1`,
 * `[fd00::1]:8080`, `10.0.0.0/8` or `fd00::/8`. Throws an error that starts
 * with `path` and says what is wrong.
 */
export function parseAllowedHost(raw: string, path: string): AllowedHost {
  const fail = (why: string): never => {
    throw new Error(`${path}: '${raw}' ${why}`);
  };
  const entry = raw.trim();
  if (entry === '') {
    return fail('is empty');
  }
  if (entry.includes('/')) {
    return parseNetwork(entry, fail);
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed || isIP(entry) === 6) {
    const address = parseIpAddress(bracketed ? bracketed[1] : entry);
    if (!address || address.kind() !== 'ipv6') {
      return fail(USAGE);
    }
    return {
      kind: 'network',
      entry,
      range: [address, 128],
      ...(bracketed?.[2] !== undefined && {
        port: readPort(bracketed[2], fail),
      }),
    };
  }
  const hostAndPort = /^([^:]+)(?::(\d+))?$/.exec(entry);
  if (!hostAndPort) {
    return fail(USAGE);
  }
  const [, host, portText] = hostAndPort;
  const port = portText !== undefined ? readPort(portText, fail) : undefined;
  const portPart = port !== undefined ? { port } : {};
  if (isIP(host) === 4) {
    return {
      kind: 'network',
      entry,
      range: [parseIpAddress(host)!, 32],
      ...portPart,
    };
  }
  const subdomains = host.startsWith('*.');
  const name = normaliseHostname(subdomains ? host.slice(2) : host);
  if (name === undefined || name === '') {
    return fail(USAGE);
  }
  if (isIP(name)) {
    // `127.1` or `0x7f000001`: URLs read them as addresses.
    return fail(`is an IP address written unusually; write it as ${name}`);
  }
  return { kind: 'name', entry, name, subdomains, ...portPart };
}

/** The parsed `selfService.request.allowedHosts`. */
export class AllowedHosts {
  /** Parses a list; an invalid entry throws, naming `key[index]`. */
  static parse(entries: ReadonlyArray<string>, key: string): AllowedHosts {
    return new AllowedHosts(
      entries.map((entry, index) =>
        parseAllowedHost(entry, `${key}[${index}]`),
      ),
    );
  }

  constructor(readonly entries: ReadonlyArray<AllowedHost>) {}

  /** The entry that allows a host name (lowercase, as URLs hold it) at a port. */
  matchName(hostname: string, port: number): AllowedHost | undefined {
    const name = hostname.replace(/\.$/, '');
    return this.entries.find(
      allowed =>
        allowed.kind === 'name' &&
        (allowed.port === undefined || allowed.port === port) &&
        (allowed.subdomains
          ? name.endsWith(`.${allowed.name}`)
          : name === allowed.name),
    );
  }

  /** The entry that allows an address at a port. */
  matchAddress(address: IpAddress, port: number): AllowedHost | undefined {
    return this.entries.find(
      allowed =>
        allowed.kind === 'network' &&
        (allowed.port === undefined || allowed.port === port) &&
        allowed.range[0].kind() === address.kind() &&
        address.match(allowed.range),
    );
  }
}
