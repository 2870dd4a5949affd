import { toError } from '@backstage/errors';
import { planStepDeadlines } from '../../steps/stepDeadlines';
import { followStepPlan } from '../followStepPlan';
import type { RunCommandDeps } from './RunCommandDeps';
import { requireStepsRun, stepRequestEntity } from './stepRunLookups';

/** Runs looked at per query. */
const BATCH = 100;

/**
 * Ends what is overdue in runs of steps: waits whose time came (their
 * dependents start), gates nobody decided in time and event-driven steps
 * never reported (they time out, and the run with them). Each run is
 * planned under its lock, so a deadline moved meanwhile is not acted on;
 * a run that cannot be handled now is left to the next sweep. Resolves to
 * how many runs changed.
 */
export async function endOverdueSteps(
  deps: RunCommandDeps,
  now = new Date(),
): Promise<number> {
  const skipped = new Set<string>();
  let changed = 0;
  for (;;) {
    const runIds = await deps.steps.listRunsWithOverdueSteps(now, BATCH, [
      ...skipped,
    ]);
    if (runIds.length === 0) {
      return changed;
    }
    for (const runId of runIds) {
      try {
        if (await endOverdueStepsOfRun(deps, runId, now)) {
          changed += 1;
        } else {
          skipped.add(runId);
        }
      } catch (error) {
        skipped.add(runId);
        deps.logger.warn(
          `Could not end the overdue steps of run ${runId}; the next sweep tries again`,
          toError(error),
        );
      }
    }
  }
}

/** Ends what is overdue in one run of steps; false if nothing was. */
export async function endOverdueStepsOfRun(
  deps: RunCommandDeps,
  runId: string,
  now = new Date(),
): Promise<boolean> {
  const { run, definition } = await requireStepsRun(deps, runId);
  const starts = deps.worker.stepStarts(
    run,
    definition,
    await stepRequestEntity(deps, run),
  );
  const audit = await deps.auditor.createEvent({
    eventId: 'run-step-deadline',
    severityLevel: 'medium',
    meta: { runId },
  });
  try {
    const applied = await deps.steps.updateSteps(
      runId,
      starts.planner((context, state) => planStepDeadlines(context, state)),
      now,
    );
    await audit.success({
      meta: {
        steps: (applied.plan?.changes ?? []).map(
          change => `${change.stepId}: ${change.to}`,
        ),
        status: applied.runStatus,
      },
    });
    if (!applied.plan) {
      return false;
    }
    await followStepPlan(deps, { runId, definition, starts, applied });
    return true;
  } catch (error) {
    await audit.fail({ error: toError(error) });
    throw error;
  }
}
