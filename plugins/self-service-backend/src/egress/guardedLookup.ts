import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { EgressPolicy } from './EgressPolicy';
import { EgressRefusedError } from './EgressRefusedError';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all of its addresses. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * The operating system's resolver (`getaddrinfo`, so `/etc/hosts` counts),
 * every address in the order it gives them.
 */
export const systemResolver: HostResolver = async hostname => {
  const addresses = await dns.promises.lookup(hostname, {
    all: true,
    order: 'verbatim',
  });
  return addresses.map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));
};

function notFound(hostname: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    hostname,
    syscall: 'getaddrinfo',
  });
}

function requestedFamily(options: dns.LookupOptions): 0 | 4 | 6 {
  const { family } = options;
  if (family === 4 || family === 'IPv4') {
    return 4;
  }
  if (family === 6 || family === 'IPv6') {
    return 6;
  }
  return 0;
}

/**
 * A `dns.lookup` for the sockets of one connection to `port`: resolves with
 * `resolve`, lets the policy decide on every address, and answers with those
 * addresses only. The socket connects to exactly what was checked, so a name
 * that resolves differently the next time (DNS rebinding) is checked again,
 * and a refused one fails with an {@link EgressRefusedError} before anything
 * is connected: Node opens the socket only once the lookup has answered.
 *
 * Node skips the lookup for a literal IP address; the connector checks those
 * (see `createGuardedAgent`).
 */
export function createGuardedLookup(options: {
  policy: EgressPolicy;
  port: number;
  resolve?: HostResolver;
}): LookupFunction {
  const { policy, port, resolve = systemResolver } = options;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      resolved => {
        const refusal = policy.checkConnection({
          hostname,
          port,
          addresses: resolved.map(r => r.address),
        });
        if (refusal) {
          callback(new EgressRefusedError(refusal), '', 0);
          return;
        }
        const family = requestedFamily(lookupOptions);
        const usable = resolved.filter(
          r => family === 0 || r.family === family,
        );
        if (usable.length === 0) {
          callback(notFound(hostname), '', 0);
        } else if (lookupOptions.all) {
          callback(null, usable);
        } else {
          callback(null, usable[0].address, usable[0].family);
        }
      },
      error => callback(error, '', 0),
    );
  };
}
