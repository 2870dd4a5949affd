import type { Config } from '@backstage/config';

/** The plugin's configuration, read once at start-up. */
export interface SelfServiceConfig {
  /** `{{secrets.NAME}}` values; never stored, always redacted. */
  secrets: Record<string, string>;
  /** How long a dispatched request may take. */
  requestTimeoutMs: number;
  /** Response bodies are recorded up to this many bytes. */
  maxResponseBodyBytes: number;
}

export function readSelfServiceConfig(config: Config): SelfServiceConfig {
  const secretsConfig = config.getOptionalConfig('selfService.secrets');
  const secrets: Record<string, string> = {};
  for (const name of secretsConfig?.keys() ?? []) {
    secrets[name] = secretsConfig!.getString(name);
  }
  const timeoutSeconds =
    config.getOptionalNumber('selfService.request.timeoutSeconds') ?? 30;
  const maxResponseBodyBytes =
    config.getOptionalNumber('selfService.request.maxResponseBodyBytes') ??
    64 * 1024;
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 300)) {
    throw new Error(
      'selfService.request.timeoutSeconds must be a number of seconds from 1 to 300',
    );
  }
  if (!(Number.isInteger(maxResponseBodyBytes) && maxResponseBodyBytes >= 0)) {
    throw new Error(
      'selfService.request.maxResponseBodyBytes must be a whole number of bytes',
    );
  }
  return {
    secrets,
    requestTimeoutMs: timeoutSeconds * 1000,
    maxResponseBodyBytes,
  };
}
