import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { EgressPolicy } from './EgressPolicy';
import { EgressRefusedError } from './EgressRefusedError';
import { createGuardedLookup, type HostResolver } from './guardedLookup';

/**
 * An undici `Agent` (for `fetch`'s `dispatcher`) whose every new connection
 * is decided by the policy before it is made: a literal IP address here, a
 * host name through {@link createGuardedLookup} once it resolves. Reused
 * keep-alive connections were decided when they were opened.
 *
 * The connector is built per connection so that the lookup knows the port,
 * which `host:port` entries and this backend's own port depend on; that
 * only costs TLS session reuse across connections.
 */
export function createGuardedAgent(options: {
  policy: EgressPolicy;
  resolve?: HostResolver;
}): Agent {
  const { policy, resolve } = options;
  return new Agent({
    connect(connectOptions, callback) {
      const { protocol } = connectOptions;
      const port =
        Number(connectOptions.port) || (protocol === 'https:' ? 443 : 80);
      const hostname = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(hostname)) {
        const refusal = policy.checkConnection({
          hostname,
          port,
          addresses: [hostname],
        });
        if (refusal) {
          callback(new EgressRefusedError(refusal), null);
          return;
        }
      }
      const connect = buildConnector({
        lookup: createGuardedLookup({ policy, port, resolve }),
      });
      connect(connectOptions, callback);
    },
  });
}
