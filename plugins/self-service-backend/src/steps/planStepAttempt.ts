import type {
  RunStepOutputValue,
  WorkflowRequestStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { RunStepsState, StepPlan } from '../database/runStepWrites';
import type { AttemptEnding } from '../delivery/decideAttempt';
import type { Redactor } from '../dispatch';
import { planStepProgress, type StepEngineContext } from './planSteps';
import { readStepOutputs } from './readStepOutputs';

/**
 * What the end of a step's request means for the run, decided under the
 * run's lock: an answered simple request succeeds with the outputs its
 * response declares (or fails naming the one missing), an event-driven
 * one keeps running until its system reports or its deadline passes, a
 * failed one fails the step, and the dependents of a success start in the
 * same transaction. Undefined when the step is no longer running (the run
 * was canceled meanwhile): what came back is only on the timeline.
 */
export function planStepAttempt(
  context: StepEngineContext,
  state: RunStepsState,
  step: WorkflowRequestStep,
  ending: AttemptEnding,
  redactor: Redactor,
): StepPlan | undefined {
  const current = state.steps.find(s => s.stepId === step.id);
  if (state.runStatus !== 'in_progress' || current?.status !== 'running') {
    return undefined;
  }
  switch (ending.type) {
    case 'delivered':
      return {
        changes: [
          {
            stepId: step.id,
            from: ['running'],
            to: 'running',
            deadlineAt: ending.deadlineAt,
          },
        ],
      };
    case 'failed':
      return planStepProgress(context, state, [
        {
          stepId: step.id,
          from: ['running'],
          to: 'failed',
          message: ending.message,
        },
      ]);
    default: {
      const read = readStepOutputs(step.outputs, ending.response.body);
      if ('error' in read) {
        return planStepProgress(context, state, [
          {
            stepId: step.id,
            from: ['running'],
            to: 'failed',
            message: redactor.text(read.error),
          },
        ]);
      }
      return planStepProgress(context, state, [
        {
          stepId: step.id,
          from: ['running'],
          to: 'success',
          outputs: redactOutputs(read.outputs, redactor),
        },
      ]);
    }
  }
}

/**
 * Outputs are shown on the run page and sent on to later steps: a secret a
 * response echoes back is neither.
 */
function redactOutputs(
  outputs: Record<string, RunStepOutputValue>,
  redactor: Redactor,
): Record<string, RunStepOutputValue> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => [
      name,
      typeof value === 'string' ? redactor.text(value) : value,
    ]),
  );
}
