import { Route, Routes } from 'react-router-dom';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import type {
  RunDetails,
  RunStep,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { makeRun, mockSelfServiceApi } from '../../testUtils/fixtures';
import { stepsDefinition } from '../../testUtils/editorFixtures';
import { makeRunDetails } from '../../testUtils/runFixtures';
import { RunPage } from './RunPage';

const mountedRoutes = {
  '/self-service': rootRouteRef,
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

/** A run of build → gate → deploy with its steps where `statuses` says. */
function stepsDetails(
  runStatus: RunDetails['run']['status'],
  steps: RunStep[],
  permissions: Partial<RunDetails['permissions']> = {},
): RunDetails {
  const base = makeRunDetails({
    run: { status: runStatus },
    events: [],
    permissions,
  });
  return { ...base, workflow: stepsDefinition(), steps };
}

async function renderRunPage(api: ReturnType<typeof mockSelfServiceApi>) {
  await renderInTestApp(
    <TestApiProvider apis={[[selfServiceApiRef, api]]}>
      <Routes>
        <Route path="/self-service/runs/:runId" element={<RunPage />} />
      </Routes>
    </TestApiProvider>,
    { mountedRoutes, routeEntries: ['/self-service/runs/r-1'] },
  );
}

describe('RunPage, runs of steps', () => {
  it('draws the steps left to right with their statuses and outputs, and decides a waiting gate', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    const waiting = stepsDetails(
      'in_progress',
      [
        { stepId: 'build', status: 'success', outputs: { image: 'shop:42' } },
        { stepId: 'gate', status: 'waiting_approval', outputs: {} },
        { stepId: 'deploy', status: 'pending', outputs: {} },
      ],
      { steps: { gate: { allowed: true } } },
    );
    api.getRun.mockResolvedValueOnce(waiting).mockResolvedValue(
      stepsDetails('in_progress', [
        { stepId: 'build', status: 'success', outputs: { image: 'shop:42' } },
        { stepId: 'gate', status: 'success', outputs: {} },
        { stepId: 'deploy', status: 'running', outputs: {} },
      ]),
    );
    api.decideRunStep.mockResolvedValue({
      stepId: 'gate',
      status: 'success',
      outputs: {},
    });
    await renderRunPage(api);

    const order = await screen.findByRole('list', { name: 'Steps, in order' });
    const build = within(order).getByRole('listitem', { name: 'Build' });
    expect(within(build).getByText('Succeeded')).toBeInTheDocument();
    expect(within(build).getByText('image')).toBeInTheDocument();
    expect(within(build).getByText('shop:42')).toBeInTheDocument();
    const gate = within(order).getByRole('listitem', {
      name: 'Production gate',
    });
    expect(within(gate).getByText('Approval, after Build')).toBeInTheDocument();
    expect(within(gate).getByText('Waiting for approval')).toBeInTheDocument();
    const deploy = within(order).getByRole('listitem', { name: 'Deploy' });
    expect(within(deploy).getByText('Pending')).toBeInTheDocument();
    // A line from each step to each of its dependents, hidden from readers
    // (the "after …" text says it), marked done once its source succeeded.
    const edges = screen.getByTestId('step-edges');
    expect(edges).toHaveAttribute('aria-hidden', 'true');
    const edge = (name: string) =>
      edges.querySelector(`path[data-edge="${name}"]`)!;
    expect(edges.querySelectorAll('path')).toHaveLength(2);
    expect(edge('build->gate').getAttribute('d')).toMatch(/^M .+ C /);
    expect(edge('build->gate').getAttribute('class')).toMatch(/edgeDone/);
    expect(edge('gate->deploy').getAttribute('class')).not.toMatch(/edgeDone/);

    await user.click(
      within(gate).getByRole('button', { name: 'Approve Production gate' }),
    );
    expect(api.decideRunStep).toHaveBeenCalledWith('r-1', 'gate', 'approve');
    await waitFor(() =>
      expect(
        within(screen.getByRole('listitem', { name: 'Deploy' })).getByText(
          'Running',
        ),
      ).toBeInTheDocument(),
    );
    expect(
      screen.queryByRole('button', { name: 'Approve Production gate' }),
    ).not.toBeInTheDocument();
    expect(
      screen
        .getByTestId('step-edges')
        .querySelector('path[data-edge="gate->deploy"]')!
        .getAttribute('class'),
    ).toMatch(/edgeDone/);
  });

  it('shows why a gate decision was refused', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.getRun.mockResolvedValue(
      stepsDetails(
        'in_progress',
        [
          { stepId: 'build', status: 'success', outputs: {} },
          { stepId: 'gate', status: 'waiting_approval', outputs: {} },
          { stepId: 'deploy', status: 'pending', outputs: {} },
        ],
        { steps: { gate: { allowed: true } } },
      ),
    );
    api.decideRunStep.mockRejectedValue(
      new Error("Only the approvers of step 'Production gate' can decide it"),
    );
    await renderRunPage(api);
    await user.click(
      await screen.findByRole('button', { name: 'Reject Production gate' }),
    );
    expect(
      await screen.findByText(
        "Only the approvers of step 'Production gate' can decide it",
      ),
    ).toBeInTheDocument();
  });

  it('says why the viewer may not decide a waiting gate, and offers no buttons', async () => {
    const api = mockSelfServiceApi();
    api.getRun.mockResolvedValue(
      stepsDetails(
        'in_progress',
        [
          { stepId: 'build', status: 'success', outputs: {} },
          { stepId: 'gate', status: 'waiting_approval', outputs: {} },
          { stepId: 'deploy', status: 'pending', outputs: {} },
        ],
        {
          steps: {
            gate: {
              allowed: false,
              reason:
                'You requested this run, so another approver has to approve this step',
            },
          },
        },
      ),
    );
    await renderRunPage(api);
    expect(
      await screen.findByText(
        'You requested this run, so another approver has to approve this step',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Approve Production gate' }),
    ).not.toBeInTheDocument();
  });

  it('retries a failed run from its failed step', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.getRun.mockResolvedValue(
      stepsDetails(
        'failed',
        [
          { stepId: 'build', status: 'success', outputs: {} },
          {
            stepId: 'gate',
            status: 'timed_out',
            outputs: {},
            message: 'Not decided within 300 s',
          },
          {
            stepId: 'deploy',
            status: 'skipped',
            outputs: {},
            message: "Not started: step 'gate' timed out",
          },
        ],
        { retry: { allowed: true }, cancel: { allowed: false } },
      ),
    );
    api.retryRun.mockResolvedValue(makeRun({ status: 'in_progress' }));
    await renderRunPage(api);

    expect(
      await screen.findByText("Not started: step 'gate' timed out"),
    ).toBeInTheDocument();
    await user.click(
      screen.getByRole('button', { name: 'Retry from failed step' }),
    );
    expect(api.retryRun).toHaveBeenCalledWith('r-1');
    await waitFor(() => expect(api.getRun).toHaveBeenCalledTimes(2));
  });

  it('cancels a run in progress', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    const running = [
      { stepId: 'build', status: 'running' as const, outputs: {} },
      { stepId: 'gate', status: 'pending' as const, outputs: {} },
      { stepId: 'deploy', status: 'pending' as const, outputs: {} },
    ];
    api.getRun.mockResolvedValue(
      stepsDetails('in_progress', running, { cancel: { allowed: true } }),
    );
    api.cancelRun.mockResolvedValue(makeRun({ status: 'canceled' }));
    await renderRunPage(api);
    await user.click(await screen.findByRole('button', { name: 'Cancel run' }));
    expect(api.cancelRun).toHaveBeenCalledWith('r-1');
  });

  it('names the reason when the viewer may not cancel', async () => {
    const api = mockSelfServiceApi();
    api.getRun.mockResolvedValue(
      stepsDetails(
        'in_progress',
        [
          { stepId: 'build', status: 'running', outputs: {} },
          { stepId: 'gate', status: 'pending', outputs: {} },
          { stepId: 'deploy', status: 'pending', outputs: {} },
        ],
        {
          cancel: {
            allowed: false,
            reason:
              'Only the requester, the approvers and those allowed to update runs can cancel this run',
          },
        },
      ),
    );
    await renderRunPage(api);
    expect(
      await screen.findByText(
        'Only the requester, the approvers and those allowed to update runs can cancel this run',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Cancel run' }),
    ).not.toBeInTheDocument();
  });

  it('re-runs with the same inputs and opens the new run', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.getRun.mockImplementation(async (runId: string) => ({
      ...stepsDetails(runId === 'r-1' ? 'success' : 'in_progress', [
        { stepId: 'build', status: 'success', outputs: {} },
        { stepId: 'gate', status: 'success', outputs: {} },
        { stepId: 'deploy', status: 'success', outputs: {} },
      ]),
      run: makeRun({ id: runId }),
    }));
    api.rerunRun.mockResolvedValue(makeRun({ id: 'r-2' }));
    await renderRunPage(api);
    await user.click(
      await screen.findByRole('button', {
        name: 'Re-run with the same inputs',
      }),
    );
    expect(api.rerunRun).toHaveBeenCalledWith('r-1');
    await waitFor(() => expect(api.getRun).toHaveBeenCalledWith('r-2'));
  });
});
