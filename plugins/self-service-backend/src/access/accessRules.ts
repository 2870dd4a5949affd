import {
  type Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type {
  WorkflowDefinition,
  WorkflowRunnability,
} from '@backstage-self-service/plugin-self-service-common';

/** A signed-in user as the catalog knows them. */
export interface Caller {
  userEntityRef: string;
  /** The user and the groups they belong to (directly or transitively). */
  ownershipEntityRefs: string[];
}

/**
 * Owners of an entity: the targets of its `ownedBy` relations, which the
 * catalog derives from `spec.owner`, falling back to `spec.owner` itself for
 * entities that have not been processed yet.
 */
export function entityOwnerRefs(entity: Entity): string[] {
  const owners = new Set<string>();
  for (const relation of entity.relations ?? []) {
    if (relation.type === RELATION_OWNED_BY) {
      owners.add(relation.targetRef);
    }
  }
  const specOwner = entity.spec?.owner;
  if (owners.size === 0 && typeof specOwner === 'string' && specOwner) {
    try {
      owners.add(
        stringifyEntityRef(
          parseEntityRef(specOwner, {
            defaultKind: 'group',
            defaultNamespace: entity.metadata.namespace ?? 'default',
          }),
        ),
      );
    } catch {
      // An unparseable owner owns nothing.
    }
  }
  return [...owners];
}

function sharesAny(refs: string[], candidates: string[]): boolean {
  const wanted = new Set(candidates.map(r => r.toLocaleLowerCase('en-US')));
  return refs.some(r => wanted.has(r.toLocaleLowerCase('en-US')));
}

/** Whether the caller is, or belongs to, one of the approvers. */
export function isApprover(caller: Caller, approvers: string[]): boolean {
  return sharesAny(caller.ownershipEntityRefs, approvers);
}

/**
 * Whether a caller may trigger (or, for approval workflows, request) a run,
 * and if not, why, in words the UI shows next to a disabled Run button.
 *
 * Without an entity, owner-only workflows are runnable in principle: the
 * caller picks one of their own entities, checked again on trigger.
 */
export function evaluateRunAccess(
  workflow: Pick<WorkflowDefinition, 'access'>,
  caller: Caller,
  entity?: Entity,
): WorkflowRunnability {
  const { access } = workflow;
  switch (access.type) {
    case 'everyone':
    case 'approval':
      return { allowed: true };
    case 'selected':
      return sharesAny(caller.ownershipEntityRefs, access.members)
        ? { allowed: true }
        : {
            allowed: false,
            reason: 'Only selected teams and users can run this workflow',
          };
    case 'owners':
      if (!entity) {
        return { allowed: true };
      }
      return sharesAny(caller.ownershipEntityRefs, entityOwnerRefs(entity))
        ? { allowed: true }
        : {
            allowed: false,
            reason: 'Only owners of this entity can run this workflow',
          };
    default:
      return {
        allowed: false,
        reason: 'This workflow has an unknown access mode',
      };
  }
}
