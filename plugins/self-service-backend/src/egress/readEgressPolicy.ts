import type { Config } from '@backstage/config';
import { networkInterfaces } from 'node:os';
import { AllowedHosts } from './allowedHosts';
import {
  isCloudMetadataAddress,
  isCloudMetadataHostname,
} from './cloudMetadata';
import { ALLOWED_HOSTS_KEY, EgressPolicy } from './EgressPolicy';

/** Backstage's default when `backend.listen` does not say. */
const DEFAULT_LISTEN_PORT = 7007;

/** `backend.listen` is `{ port, host }` or a `'host:port'` string. */
function readListenPort(config: Config): number | undefined {
  const listen = config.getOptional('backend.listen');
  let port: unknown = DEFAULT_LISTEN_PORT;
  if (typeof listen === 'string') {
    port = listen.slice(listen.lastIndexOf(':') + 1);
  } else if (typeof listen === 'object' && listen !== null) {
    port = (listen as { port?: unknown }).port ?? DEFAULT_LISTEN_PORT;
  }
  const number = Number(port);
  // Port 0 picks a free port at start-up, unknown here.
  return Number.isInteger(number) && number > 0 ? number : undefined;
}

function ownAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap(
    addresses => addresses?.map(a => a.address) ?? [],
  );
}

/**
 * The policy for where workflow requests may go, from
 * `selfService.request.allowedHosts` and the backend's own address
 * (`backend.baseUrl`, `backend.listen`). An entry that is not a valid pattern
 * stops start-up naming it, as does one that names a destination no entry
 * can open, since it would not do what it says.
 */
export function readEgressPolicy(config: Config): EgressPolicy {
  const entries = config.getOptionalStringArray(ALLOWED_HOSTS_KEY) ?? [];
  const allowedHosts = AllowedHosts.parse(entries, ALLOWED_HOSTS_KEY);
  const policy = new EgressPolicy({
    allowedHosts,
    backendBaseUrl: config.getOptionalString('backend.baseUrl'),
    backendListenPort: readListenPort(config),
    localAddresses: ownAddresses(),
  });
  allowedHosts.entries.forEach((allowed, index) => {
    const path = `${ALLOWED_HOSTS_KEY}[${index}]`;
    if (
      allowed.kind === 'name' &&
      !allowed.subdomains &&
      allowed.port !== undefined &&
      policy.isBackend(allowed.name, allowed.port)
    ) {
      throw new Error(
        `${path}: '${allowed.entry}' is this Backstage backend (backend.baseUrl), which workflows may never call`,
      );
    }
    const metadata =
      allowed.kind === 'name'
        ? !allowed.subdomains && isCloudMetadataHostname(allowed.name)
        : allowed.range[1] ===
            (allowed.range[0].kind() === 'ipv4' ? 32 : 128) &&
          isCloudMetadataAddress(allowed.range[0]);
    if (metadata) {
      throw new Error(
        `${path}: '${allowed.entry}' is a cloud metadata service, which workflows may never call`,
      );
    }
  });
  return policy;
}
