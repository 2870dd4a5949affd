import type { StepsWorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';
import { gatePermissions } from './gatePermissions';

const definition: StepsWorkflowDefinition = {
  identifier: 'ship',
  name: 'Ship',
  scope: { type: 'global' },
  access: { type: 'everyone' },
  parameters: [],
  steps: [
    {
      id: 'gate',
      name: 'Production gate',
      kind: 'approval',
      dependsOn: [],
      approvers: ['group:default/sre', 'user:default/grace'],
      mode: 'all',
    },
    {
      id: 'later',
      name: 'Later gate',
      kind: 'approval',
      dependsOn: ['gate'],
      approvers: ['group:default/sre'],
      mode: 'any',
    },
  ],
};

const run = { requestedBy: 'user:default/jane' };
const waiting = [
  { stepId: 'gate', status: 'waiting_approval' as const },
  { stepId: 'later', status: 'pending' as const },
];
const caller = (user: string, groups: string[] = []) => ({
  userEntityRef: `user:default/${user}`,
  ownershipEntityRefs: [`user:default/${user}`, ...groups],
});

describe('gatePermissions', () => {
  it('lets an approver the waiting gate lists decide it, and lists no other gate', () => {
    expect(
      gatePermissions(
        run,
        definition,
        waiting,
        [],
        caller('ada', ['group:default/sre']),
      ),
    ).toEqual({ gate: { allowed: true } });
  });

  it('says why others may not', () => {
    expect(
      gatePermissions(run, definition, waiting, [], caller('linus')),
    ).toEqual({
      gate: {
        allowed: false,
        reason: "Only the approvers of step 'Production gate' can decide it",
      },
    });
    expect(gatePermissions(run, definition, waiting, [], undefined)).toEqual({
      gate: {
        allowed: false,
        reason: "Only the approvers of step 'Production gate' can decide it",
      },
    });
  });

  it('refuses an approver who decided for everyone they stand for, and the requester', () => {
    expect(
      gatePermissions(
        run,
        definition,
        waiting,
        [{ stepId: 'gate', approverRef: 'user:default/grace' }],
        caller('grace'),
      ),
    ).toEqual({
      gate: { allowed: false, reason: 'You already decided this step' },
    });
    expect(
      gatePermissions(
        { requestedBy: 'user:default/ada' },
        definition,
        waiting,
        [],
        caller('ada', ['group:default/sre']),
      ).gate,
    ).toEqual({
      allowed: false,
      reason:
        'You requested this run, so another approver has to approve this step',
    });
  });
});
