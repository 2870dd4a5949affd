import { approvalOutcome } from './approvalOutcome';

describe('approvalOutcome', () => {
  const approvers = ['group:default/sre', 'user:default/cto'];
  const approved = (approverRef: string) => ({
    approverRef,
    decision: 'approved' as const,
  });
  const rejected = (approverRef: string) => ({
    approverRef,
    decision: 'rejected' as const,
  });

  it('with mode any, takes the first decision', () => {
    const step = { approvers, mode: 'any' as const };
    expect(approvalOutcome(step, [])).toBeUndefined();
    expect(
      approvalOutcome(step, [rejected(approvers[1]), approved(approvers[0])]),
    ).toBe('rejected');
    expect(approvalOutcome(step, [approved(approvers[0])])).toBe('approved');
  });

  it('with mode all, waits for every approver and fails on one rejection', () => {
    const step = { approvers, mode: 'all' as const };
    expect(approvalOutcome(step, [approved(approvers[0])])).toBeUndefined();
    expect(
      approvalOutcome(step, [approved(approvers[0]), approved(approvers[1])]),
    ).toBe('approved');
    expect(
      approvalOutcome(step, [approved(approvers[0]), rejected(approvers[1])]),
    ).toBe('rejected');
  });

  it('ignores a decision for someone not listed', () => {
    expect(
      approvalOutcome({ approvers, mode: 'any' }, [
        approved('user:default/mallory'),
      ]),
    ).toBeUndefined();
  });
});
