import ipaddr from 'ipaddr.js';
import { AllowedHosts } from './allowedHosts';
import {
  isCloudMetadataAddress,
  isCloudMetadataHostname,
} from './cloudMetadata';
import { embeddedIPv4, type IpAddress, parseIpAddress } from './ipAddress';
import { refusedRangeOf } from './refusedRanges';

/** The configuration key that opens exceptions; named in every refusal. */
export const ALLOWED_HOSTS_KEY = 'selfService.request.allowedHosts';

/** Why a request may not go where it would go. */
export interface EgressRefusal {
  /** The host as the URL has it. */
  host: string;
  /** The refused address a host name resolved to. */
  address?: string;
  /**
   * False for the destinations no entry of `selfService.request.allowedHosts`
   * opens: cloud metadata services and this backend itself.
   */
  allowable: boolean;
  /** For the workflow's author: the host, why, and the configuration key. */
  message: string;
}

export interface EgressPolicyOptions {
  /** Exceptions to the refused ranges (`selfService.request.allowedHosts`). */
  allowedHosts?: AllowedHosts;
  /** `backend.baseUrl`: the backend never sends a workflow's request to itself. */
  backendBaseUrl?: string;
  /**
   * The port the backend listens on (`backend.listen`): on this machine's
   * addresses, that port is the backend too, whatever name reaches it.
   */
  backendListenPort?: number;
  /** This machine's addresses; loopback and unspecified ones always count. */
  localAddresses?: ReadonlyArray<string>;
}

/** Loopback is how `localhost` and its subdomains resolve (RFC 6761). */
const LOCALHOST_ADDRESSES = ['127.0.0.1', '::1'];

const THIS_MACHINE = ['127.0.0.0/8', '0.0.0.0/32', '::1/128', '::/128'].map(
  cidr => ipaddr.parseCIDR(cidr),
);

function effectivePort(url: URL): number {
  if (url.port !== '') {
    return Number(url.port);
  }
  return url.protocol === 'https:' ? 443 : 80;
}

/** A URL's host name without brackets or a trailing dot, for comparing. */
function bareHostname(hostname: string): string {
  const unbracketed =
    hostname.startsWith('[') && hostname.endsWith(']')
      ? hostname.slice(1, -1)
      : hostname;
  return unbracketed.toLowerCase().replace(/\.$/, '');
}

function isLocalhostName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

function never(host: string, subject: string, address?: string): EgressRefusal {
  return {
    host,
    ...(address !== undefined && { address }),
    allowable: false,
    message: `${subject}, which workflows may never call (${ALLOWED_HOSTS_KEY} cannot allow it)`,
  };
}

function unlessAllowed(
  host: string,
  subject: string,
  address?: string,
): EgressRefusal {
  return {
    host,
    ...(address !== undefined && { address }),
    allowable: true,
    message: `${subject}; requests to it are refused unless ${ALLOWED_HOSTS_KEY} allows it`,
  };
}

/**
 * Where a workflow's request may go. By default nowhere but public unicast
 * addresses: no loopback, private, link-local, carrier-grade NAT,
 * unique-local, multicast or reserved address, in any IPv6 form that reaches
 * one (see `refusedRanges.ts`); `selfService.request.allowedHosts` opens
 * exceptions. Cloud metadata services and this backend itself (its base URL,
 * and its listen port on this machine) stay refused whatever the exceptions:
 * the backend calling itself would lend a workflow its own standing, the
 * classic confused deputy.
 *
 * Checked twice: the URL alone when a workflow is saved and again before its
 * request is sent, and every address actually connected to, after DNS, when
 * the connection is made; the second catches names that resolve, or later
 * re-resolve (DNS rebinding), to a refused address.
 */
export class EgressPolicy {
  private readonly allowedHosts: AllowedHosts;
  private readonly backend?: { hostname: string; port: number };
  private readonly localAddresses: ReadonlyArray<IpAddress>;

  constructor(private readonly options: EgressPolicyOptions = {}) {
    this.allowedHosts = options.allowedHosts ?? new AllowedHosts([]);
    if (options.backendBaseUrl !== undefined) {
      const url = new URL(options.backendBaseUrl);
      this.backend = {
        hostname: bareHostname(url.hostname),
        port: effectivePort(url),
      };
    }
    this.localAddresses = (options.localAddresses ?? []).flatMap(address => {
      const parsed = parseIpAddress(address);
      return parsed ? [parsed] : [];
    });
  }

  /** Whether a host (as a URL has it) and port are this backend's base URL. */
  isBackend(hostname: string, port: number): boolean {
    return (
      this.backend !== undefined &&
      this.backend.hostname === bareHostname(hostname) &&
      this.backend.port === port
    );
  }

  /**
   * Decides what the URL alone decides: its host when that is an address
   * (WHATWG URLs have already turned `0x7f000001`, `127.1` and `2130706433`
   * into `127.0.0.1`), metadata services and `localhost` by name, and this
   * backend. Other names pass here and are checked once resolved.
   */
  checkUrl(url: URL): EgressRefusal | undefined {
    const port = effectivePort(url);
    const hostname = bareHostname(url.hostname);
    const byName = this.checkHostname(url.hostname, hostname, port);
    if (byName) {
      return byName;
    }
    if (parseIpAddress(hostname)) {
      return this.checkAddresses(url.hostname, hostname, port, [hostname]);
    }
    if (isLocalhostName(hostname)) {
      return this.checkAddresses(
        url.hostname,
        hostname,
        port,
        LOCALHOST_ADDRESSES,
      );
    }
    return undefined;
  }

  /**
   * Decides a connection about to be made: `hostname` as the URL has it,
   * and every address it resolved to. One refused address refuses the
   * connection, rather than leaving the rest to be tried: a name that mixes
   * allowed and refused answers is either misconfigured or rebinding.
   */
  checkConnection(target: {
    hostname: string;
    port: number;
    addresses: ReadonlyArray<string>;
  }): EgressRefusal | undefined {
    const hostname = bareHostname(target.hostname);
    return (
      this.checkHostname(target.hostname, hostname, target.port) ??
      this.checkAddresses(
        target.hostname,
        hostname,
        target.port,
        target.addresses,
      )
    );
  }

  private checkHostname(
    host: string,
    hostname: string,
    port: number,
  ): EgressRefusal | undefined {
    if (this.isBackend(hostname, port)) {
      return never(
        host,
        `${host}:${port} is this Backstage backend (backend.baseUrl)`,
      );
    }
    if (isCloudMetadataHostname(hostname)) {
      return never(host, `${host} is a cloud metadata service`);
    }
    return undefined;
  }

  private checkAddresses(
    host: string,
    hostname: string,
    port: number,
    addresses: ReadonlyArray<string>,
  ): EgressRefusal | undefined {
    const isName = parseIpAddress(hostname) === undefined;
    // An allowed name is trusted wherever it resolves; an address, only
    // where it is in an allowed network.
    const nameAllowed =
      isName && this.allowedHosts.matchName(hostname, port) !== undefined;
    for (const text of addresses) {
      const subject = isName ? `${host} resolves to ${text},` : `${host} is`;
      const address = parseIpAddress(text);
      const reported = isName ? text : undefined;
      if (!address) {
        return never(host, `${subject} not an IP address`, reported);
      }
      const reaches = [address, embeddedIPv4(address)?.address].filter(
        (a): a is IpAddress => a !== undefined,
      );
      if (isCloudMetadataAddress(address)) {
        return never(host, `${subject} a cloud metadata service`, reported);
      }
      if (
        port === this.options.backendListenPort &&
        reaches.some(a => this.isThisMachine(a))
      ) {
        return never(
          host,
          `${subject} this machine, where this Backstage backend listens on port ${port}`,
          reported,
        );
      }
      if (
        nameAllowed ||
        reaches.some(a => this.allowedHosts.matchAddress(a, port))
      ) {
        continue;
      }
      const refused = refusedRangeOf(address);
      if (refused) {
        return unlessAllowed(host, `${subject} ${refused}`, reported);
      }
    }
    return undefined;
  }

  private isThisMachine(address: IpAddress): boolean {
    return (
      THIS_MACHINE.some(
        range => range[0].kind() === address.kind() && address.match(range),
      ) ||
      this.localAddresses.some(
        local =>
          local.kind() === address.kind() &&
          local.toNormalizedString() === address.toNormalizedString(),
      )
    );
  }
}
