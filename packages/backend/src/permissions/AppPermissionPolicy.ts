import {
  AuthorizeResult,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';

/** Decides one permission request; undefined defers to the next rule. */
export type PolicyRule = (
  request: PolicyQuery,
  user?: PolicyQueryUser,
) => Promise<PolicyDecision | undefined> | PolicyDecision | undefined;

/**
 * This portal's permission policy: an ordered list of rules, the first that
 * decides wins, and everything no rule decides is allowed.
 *
 * Allowing by default keeps the portal usable while the self-service
 * workflows' own access modes (approval, selected members, entity owners)
 * are enforced by the self-service backend itself; organisation-wide rules,
 * such as "only the platform team edits workflows", are added to `rules`.
 */
export class AppPermissionPolicy implements PermissionPolicy {
  constructor(private readonly rules: PolicyRule[] = []) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    for (const rule of this.rules) {
      const decision = await rule(request, user);
      if (decision) {
        return decision;
      }
    }
    return { result: AuthorizeResult.ALLOW };
  }
}
