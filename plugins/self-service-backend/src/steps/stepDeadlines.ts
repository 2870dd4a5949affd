import type {
  RunStepStatus,
  WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { RunStepsState, StepPlan } from '../database/runStepWrites';
import {
  planStepProgress,
  type StepEnd,
  type StepEngineContext,
} from './planSteps';

/**
 * How a step ends when its deadline passes: a wait is over and succeeds;
 * an approval gate nobody decided, or an event-driven request whose
 * external system never posted a final status, times out (and so ends the
 * run). Undefined for a step that has no deadline in its status.
 */
export function endAtDeadline(
  step: WorkflowStep,
  status: RunStepStatus,
): StepEnd | undefined {
  if (step.kind === 'wait' && status === 'running') {
    return { stepId: step.id, from: ['running'], to: 'success' };
  }
  if (step.kind === 'approval' && status === 'waiting_approval') {
    return {
      stepId: step.id,
      from: ['waiting_approval'],
      to: 'timed_out',
      message: `Not decided within ${step.timeoutSeconds} s`,
    };
  }
  if (
    step.kind === 'request' &&
    step.execution.type === 'event-driven' &&
    status === 'running'
  ) {
    return {
      stepId: step.id,
      from: ['running'],
      to: 'timed_out',
      message: 'No final status from its external system before its deadline',
    };
  }
  return undefined;
}

/**
 * The plan that ends every step of a run whose deadline has passed, as
 * read in the transaction holding the run's lock: a deadline moved since
 * the sweep listed the step (an event-driven step's external system
 * reported in time) is not acted on. Undefined when nothing is due.
 */
export function planStepDeadlines(
  context: StepEngineContext,
  state: RunStepsState,
): StepPlan | undefined {
  const byId = new Map(context.steps.map(step => [step.id, step]));
  const ends = state.steps.flatMap(record => {
    const step = byId.get(record.stepId);
    if (
      !step ||
      record.deadlineAt === undefined ||
      Date.parse(record.deadlineAt) > context.now.getTime()
    ) {
      return [];
    }
    const end = endAtDeadline(step, record.status);
    return end ? [end] : [];
  });
  return ends.length > 0 ? planStepProgress(context, state, ends) : undefined;
}
