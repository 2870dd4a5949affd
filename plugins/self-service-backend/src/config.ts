import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { WorkflowDefinition } from '@internal/plugin-self-service-common';
import { validateWorkflowDefinition } from './workflows/validateWorkflowDefinition';

/** How runs send their requests: what the run service needs. */
export type DispatchConfig = Pick<
  SelfServiceConfig,
  'secrets' | 'requestTimeoutMs' | 'maxResponseBodyBytes'
>;

/** The plugin's configuration, read once at start-up. */
export interface SelfServiceConfig {
  /** `{{secrets.NAME}}` values; never stored, always redacted. */
  secrets: Record<string, string>;
  /** How long a dispatched request may take. */
  requestTimeoutMs: number;
  /** Response bodies are recorded up to this many bytes. */
  maxResponseBodyBytes: number;
  /** Workflows published from configuration (`selfService.workflows`). */
  workflows: WorkflowDefinition[];
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
  const secretNames = new Set(Object.keys(secrets));
  const workflows = (
    config.getOptional<unknown[]>('selfService.workflows') ?? []
  ).map((raw, index) => {
    try {
      return validateWorkflowDefinition(raw, { secretNames });
    } catch (error) {
      if (error instanceof InputError) {
        throw new Error(`selfService.workflows[${index}].${error.message}`);
      }
      throw error;
    }
  });
  const seen = new Set<string>();
  workflows.forEach((workflow, index) => {
    if (seen.has(workflow.identifier)) {
      throw new Error(
        `selfService.workflows[${index}].identifier: '${workflow.identifier}' is used twice`,
      );
    }
    seen.add(workflow.identifier);
  });
  return {
    secrets,
    requestTimeoutMs: timeoutSeconds * 1000,
    maxResponseBodyBytes,
    workflows,
  };
}
