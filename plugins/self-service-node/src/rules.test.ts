import type { SelfServiceRunResource } from './resources';
import { isRunOfWorkflow } from './rules';

function run(
  overrides: Partial<SelfServiceRunResource>,
): SelfServiceRunResource {
  return {
    id: 'r-1',
    workflowId: 'w-1',
    workflowIdentifier: 'restart-service',
    workflowName: 'Restart service',
    workflowRevision: 1,
    requestedBy: 'user:default/grace',
    status: 'success',
    inputs: {},
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    entityOwners: [],
    approvers: [],
    workflowDeleted: false,
    ...overrides,
  };
}

describe('IS_RUN_OF_WORKFLOW', () => {
  it('matches runs of the workflow that has the identifier now', () => {
    const params = { identifiers: ['restart-service'] };
    expect(isRunOfWorkflow.apply(run({}), params)).toBe(true);
    expect(
      isRunOfWorkflow.apply(run({ workflowIdentifier: 'other' }), params),
    ).toBe(false);
  });

  it('does not match runs of a deleted workflow that had the identifier', () => {
    expect(
      isRunOfWorkflow.apply(run({ workflowDeleted: true }), {
        identifiers: ['restart-service'],
      }),
    ).toBe(false);
  });

  it('filters on the workflow identifier, which the store resolves to live workflows', () => {
    expect(isRunOfWorkflow.toQuery({ identifiers: ['a', 'b'] })).toEqual({
      property: 'workflowIdentifier',
      values: ['a', 'b'],
    });
  });
});
