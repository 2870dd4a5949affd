import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DEFAULT_RUN_ENTITY_KINDS,
  type WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { type EgressPolicy, readEgressPolicy } from './egress';
import { validateWorkflowDefinition } from './workflows/validateWorkflowDefinition';

/**
 * What the run service needs: how runs send their requests, and how much
 * callbacks may add to a run.
 */
export type RunServiceConfig = Pick<
  SelfServiceConfig,
  | 'secrets'
  | 'requestTimeoutMs'
  | 'maxResponseBodyBytes'
  | 'maxCallbackEventsPerRun'
  | 'signingKeys'
>;

/**
 * The shortest `selfService.secrets` value: shorter ones cannot be redacted
 * reliably (they turn up by chance in other text, and a few base64
 * characters match almost anything).
 */
export const MIN_SECRET_LENGTH = 8;

/** Bounds and default of `selfService.callbacks.maxEventsPerRun`. */
export const CALLBACK_EVENTS_PER_RUN = {
  default: 500,
  min: 10,
  max: 100_000,
} as const;

/** The plugin's configuration, read once at start-up. */
export interface SelfServiceConfig {
  /** `{{secrets.NAME}}` values; never stored, always redacted. */
  secrets: Record<string, string>;
  /**
   * Subjects of service principals (`credentials.principal.subject`, like
   * `plugin:my-plugin` or the `subject` of a static external access token)
   * that may post to runs' callbacks with Backstage credentials; empty when
   * none may, which is the default: callbacks then take run tokens only.
   */
  callbackServices: ReadonlySet<string>;
  /**
   * The most messages and links callbacks may post to one run
   * (`selfService.callbacks.maxEventsPerRun`); its final status is always
   * taken.
   */
  maxCallbackEventsPerRun: number;
  /** How long a dispatched request may take. */
  requestTimeoutMs: number;
  /** Response bodies are recorded up to this many bytes. */
  maxResponseBodyBytes: number;
  /**
   * Standard Webhooks secrets by key name (`selfService.signing.keys`), the
   * current one first; a request carries one signature per secret.
   */
  signingKeys: ReadonlyMap<string, ReadonlyArray<string>>;
  /** Where requests may go (`selfService.request.allowedHosts`). */
  egressPolicy: EgressPolicy;
  /** Workflows published from configuration (`selfService.workflows`). */
  workflows: WorkflowDefinition[];
  /** Kinds of entities runs may create (`selfService.catalog.allowedKinds`). */
  catalogAllowedKinds: ReadonlyArray<string>;
}

/** The fewest random bytes a signing secret holds (Standard Webhooks). */
export const MIN_SIGNING_SECRET_BYTES = 24;

function readSigningKeys(config: Config): Map<string, ReadonlyArray<string>> {
  const keysConfig = config.getOptionalConfig('selfService.signing.keys');
  const keys = new Map<string, ReadonlyArray<string>>();
  for (const name of keysConfig?.keys() ?? []) {
    const raw = keysConfig!.get(name);
    const secrets = typeof raw === 'string' ? [raw] : raw;
    const key = `selfService.signing.keys.${name}`;
    if (
      !Array.isArray(secrets) ||
      secrets.length === 0 ||
      !secrets.every(s => typeof s === 'string')
    ) {
      throw new Error(`${key}: must be a whsec_ secret or a list of them`);
    }
    secrets.forEach((secret: string, index) => {
      const at = Array.isArray(raw) ? `${key}[${index}]` : key;
      // The value itself is never part of the message.
      if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) {
        throw new Error(
          `${at}: must be a Standard Webhooks secret: whsec_ followed by base64`,
        );
      }
      const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64');
      if (bytes.length < MIN_SIGNING_SECRET_BYTES) {
        throw new Error(
          `${at}: must hold at least ${MIN_SIGNING_SECRET_BYTES} random bytes (it has ${bytes.length}); make one with: node -e "console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))"`,
        );
      }
    });
    keys.set(name, secrets as string[]);
  }
  return keys;
}

export function readSelfServiceConfig(config: Config): SelfServiceConfig {
  const secretsConfig = config.getOptionalConfig('selfService.secrets');
  const secrets: Record<string, string> = {};
  for (const name of secretsConfig?.keys() ?? []) {
    const value = secretsConfig!.getString(name);
    if (value.length < MIN_SECRET_LENGTH) {
      // The value itself is never part of the message.
      throw new Error(
        `selfService.secrets.${name}: must be at least ${MIN_SECRET_LENGTH} characters long, so that it can be redacted reliably wherever it appears (it has ${value.length})`,
      );
    }
    secrets[name] = value;
  }
  const callbackServices = new Set<string>();
  const allowedServices =
    config.getOptionalStringArray('selfService.callbacks.allowedServices') ??
    [];
  allowedServices.forEach((subject, index) => {
    if (subject.trim() === '' || /\s/.test(subject)) {
      throw new Error(
        `selfService.callbacks.allowedServices[${index}]: must be the subject of a service principal, like plugin:my-plugin or external:ci-bot, without spaces`,
      );
    }
    callbackServices.add(subject);
  });
  const maxCallbackEventsPerRun =
    config.getOptionalNumber('selfService.callbacks.maxEventsPerRun') ??
    CALLBACK_EVENTS_PER_RUN.default;
  if (
    !(
      Number.isInteger(maxCallbackEventsPerRun) &&
      maxCallbackEventsPerRun >= CALLBACK_EVENTS_PER_RUN.min &&
      maxCallbackEventsPerRun <= CALLBACK_EVENTS_PER_RUN.max
    )
  ) {
    throw new Error(
      `selfService.callbacks.maxEventsPerRun must be a whole number from ${CALLBACK_EVENTS_PER_RUN.min} to ${CALLBACK_EVENTS_PER_RUN.max} (got ${maxCallbackEventsPerRun})`,
    );
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
  const egressPolicy = readEgressPolicy(config);
  const secretNames = new Set(Object.keys(secrets));
  const signingKeys = readSigningKeys(config);
  const signingKeyNames = new Set(signingKeys.keys());
  const workflows = (
    config.getOptional<unknown[]>('selfService.workflows') ?? []
  ).map((raw, index) => {
    try {
      return validateWorkflowDefinition(raw, {
        secretNames,
        signingKeyNames,
        egressPolicy,
      });
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
    callbackServices,
    catalogAllowedKinds: readAllowedKinds(config),
    maxCallbackEventsPerRun,
    requestTimeoutMs: timeoutSeconds * 1000,
    maxResponseBodyBytes,
    signingKeys,
    egressPolicy,
    workflows,
  };
}

function readAllowedKinds(config: Config): ReadonlyArray<string> {
  const key = 'selfService.catalog.allowedKinds';
  const kinds = config.getOptionalStringArray(key);
  if (kinds === undefined) {
    return DEFAULT_RUN_ENTITY_KINDS;
  }
  kinds.forEach((kind, index) => {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) {
      throw new Error(
        `${key}[${index}]: '${kind}' is not an entity kind, like Component`,
      );
    }
  });
  return kinds;
}
