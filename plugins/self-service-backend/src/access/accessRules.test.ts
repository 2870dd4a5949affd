import type { Entity } from '@backstage/catalog-model';
import {
  entityOwnerRefs,
  evaluateRunAccess,
  isApprover,
  type Caller,
} from './accessRules';

const grace: Caller = {
  userEntityRef: 'user:default/grace',
  ownershipEntityRefs: ['user:default/grace', 'group:default/payments-team'],
};
const linus: Caller = {
  userEntityRef: 'user:default/linus',
  ownershipEntityRefs: ['user:default/linus', 'group:default/web-team'],
};

const paymentsApi: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', owner: 'payments-team' },
  relations: [{ type: 'ownedBy', targetRef: 'group:default/payments-team' }],
};

describe('entityOwnerRefs', () => {
  it('takes the ownedBy relations', () => {
    expect(entityOwnerRefs(paymentsApi)).toEqual([
      'group:default/payments-team',
    ]);
  });

  it('falls back to spec.owner, a group by default, for unprocessed entities', () => {
    const { relations: _relations, ...unprocessed } = paymentsApi;
    expect(entityOwnerRefs(unprocessed)).toEqual([
      'group:default/payments-team',
    ]);
    expect(
      entityOwnerRefs({
        ...unprocessed,
        spec: { owner: 'user:grace' },
      }),
    ).toEqual(['user:default/grace']);
  });

  it('owns nothing without an owner', () => {
    expect(
      entityOwnerRefs({ ...paymentsApi, relations: [], spec: {} }),
    ).toEqual([]);
  });
});

describe('evaluateRunAccess', () => {
  it('lets everyone run, and everyone request an approval workflow', () => {
    expect(evaluateRunAccess({ access: { type: 'everyone' } }, linus)).toEqual({
      allowed: true,
    });
    expect(
      evaluateRunAccess(
        {
          access: {
            type: 'approval',
            approvers: ['group:default/platform-team'],
          },
        },
        linus,
      ),
    ).toEqual({ allowed: true });
  });

  it('lets selected users and members of selected groups run', () => {
    const workflow = {
      access: {
        type: 'selected' as const,
        members: ['group:default/payments-team', 'user:default/ada'],
      },
    };
    expect(evaluateRunAccess(workflow, grace)).toEqual({ allowed: true });
    expect(evaluateRunAccess(workflow, linus)).toEqual({
      allowed: false,
      reason: 'Only selected teams and users can run this workflow',
    });
  });

  it('lets only owners of the entity run an owner-only workflow', () => {
    const workflow = { access: { type: 'owners' as const } };
    expect(evaluateRunAccess(workflow, grace, paymentsApi)).toEqual({
      allowed: true,
    });
    expect(evaluateRunAccess(workflow, linus, paymentsApi)).toEqual({
      allowed: false,
      reason: 'Only owners of this entity can run this workflow',
    });
  });

  it('compares refs case-insensitively, as the catalog does', () => {
    const workflow = {
      access: {
        type: 'selected' as const,
        members: ['Group:default/Payments-Team'],
      },
    };
    expect(evaluateRunAccess(workflow, grace).allowed).toBe(true);
  });
});

describe('isApprover', () => {
  it('is true for listed users and members of listed groups only', () => {
    expect(isApprover(grace, ['group:default/payments-team'])).toBe(true);
    expect(isApprover(grace, ['user:default/grace'])).toBe(true);
    expect(isApprover(linus, ['group:default/payments-team'])).toBe(false);
  });
});
