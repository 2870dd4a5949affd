import type { SelfServiceConfig } from '../config';
import type { ClaimedDelivery } from '../database/DeliveryStore';
import type { Redactor, RenderedRequest } from '../dispatch';
import { type AttemptTarget, requestOf } from './attemptTarget';
import { renderDeliveryRequest } from './renderDeliveryRequest';

/** What rendering an attempt's request needs besides the attempt. */
export interface AttemptRenderingDeps {
  config: Pick<SelfServiceConfig, 'secrets' | 'signingKeys'>;
  callbackBaseUrl: string;
}

/**
 * An attempt's request rendered before it is due to leave: a step's first
 * attempt, rendered while the plan that starts the step is being written,
 * so that it leaves as soon as the write returns. With the redactor of
 * what the attempt carries, which its record needs.
 */
export type RenderedAhead = { redactor: Redactor } & (
  | { request: RenderedRequest }
  /** Why the request cannot be built: the attempt fails as it would have. */
  | { error: unknown }
);

/** The secrets the attempt's request is signed with, if its policy names a key. */
export function signingSecretsOf(
  deps: AttemptRenderingDeps,
  target: AttemptTarget,
): ReadonlyArray<string> {
  const key = requestOf(target).delivery?.signingKey;
  return key ? deps.config.signingKeys.get(key) ?? [] : [];
}

/**
 * Renders one attempt's request: the workflow's, or the step's with the
 * outputs upstream of it.
 * @throws InputError naming the part of the request that cannot be built.
 */
export function renderAttemptRequest(
  deps: AttemptRenderingDeps,
  target: AttemptTarget,
  claimed: Pick<ClaimedDelivery, 'entity' | 'webhookId'>,
  token: string,
  signingSecrets: ReadonlyArray<string>,
): RenderedRequest {
  return renderDeliveryRequest({
    definition: target.definition,
    run: target.run,
    entity: claimed.entity,
    token,
    callbackBaseUrl: deps.callbackBaseUrl,
    secrets: deps.config.secrets,
    webhookId: claimed.webhookId,
    signingSecrets,
    ...(target.step && { step: target.step }),
  });
}

/** Renders an attempt's request ahead of its sending; see {@link RenderedAhead}. */
export function renderAhead(
  deps: AttemptRenderingDeps,
  target: AttemptTarget,
  claimed: Pick<ClaimedDelivery, 'entity' | 'webhookId'>,
  token: string,
  redactor: Redactor,
): RenderedAhead {
  try {
    const request = renderAttemptRequest(
      deps,
      target,
      claimed,
      token,
      signingSecretsOf(deps, target),
    );
    return { redactor, request };
  } catch (error) {
    return { redactor, error };
  }
}
