import { mockServices } from '@backstage/backend-test-utils';
import type {
  RunStepStatus,
  WorkflowDefinition,
  WorkflowRequestStep,
  WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { Knex } from 'knex';
import {
  planRunStart,
  planStepProgress,
  type StepEnd,
  type StepEngineContext,
} from '../../steps/planSteps';
import { DatabaseSelfServiceStore } from '../DatabaseSelfServiceStore';
import { newDeliveryIds } from '../deliveryRows';
import { RunStepStore } from '../RunStepStore';
import type { RunStepsState, StepPlan } from '../runStepWrites';

/** Runs of step graphs in a test database, planned by the real engine. */

const definition: WorkflowDefinition = {
  identifier: 'provision',
  name: 'Provision environment',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [],
  request: { method: 'POST', url: 'https://infra.example.com/provision' },
};

/** A simple request step depending on `dependsOn`. */
export const step = (
  id: string,
  ...dependsOn: string[]
): WorkflowRequestStep => ({
  id,
  name: id,
  kind: 'request',
  dependsOn,
  execution: { type: 'simple' },
  request: { method: 'POST', url: `https://infra.example.com/${id}` },
});

/** `root`, then `width` steps after it, then `join` after all of them. */
export function fanOutAndIn(width: number): WorkflowStep[] {
  const middle = Array.from({ length: width }, (_, i) => step(`m${i}`, 'root'));
  return [step('root'), ...middle, step('join', ...middle.map(m => m.id))];
}

let tokens = 0;
/** A claim of replica-a, with a token hash of its own. */
export const claim = () => {
  tokens += 1;
  return {
    owner: 'replica-a',
    leaseMs: 10_000,
    tokenHash: `s${tokens}`.padStart(64, '0'),
  };
};

/** The engine's context, claiming every request it starts for replica-a. */
export const engine = (
  graph: ReadonlyArray<WorkflowStep>,
  now = new Date(),
): StepEngineContext => ({
  steps: graph,
  inputs: {},
  now,
  prepareRequest: () => ({
    ...newDeliveryIds(),
    maxAttempts: 1,
    claim: claim(),
  }),
});

/**
 * The engine's plan when a step ends: the step's change, then every step
 * that can start (with its request claimed) or must be skipped, and the
 * run's status once no step is left unfinished.
 */
export function planner(
  graph: ReadonlyArray<WorkflowStep>,
  ended?: {
    stepId: string;
    to: StepEnd['to'];
    from?: RunStepStatus[];
    outputs?: StepEnd['outputs'];
  },
) {
  return (state: RunStepsState, now: Date): StepPlan | undefined =>
    planStepProgress(
      engine(graph, now),
      state,
      ended ? [{ from: ['running'], ...ended }] : [],
    );
}

/**
 * A run in progress of a workflow whose steps are `graph`, created and
 * started in one transaction, as a run that becomes due is.
 */
export async function startStepRun(
  knex: Knex,
  graph: ReadonlyArray<WorkflowStep>,
) {
  const store = await DatabaseSelfServiceStore.create({
    database: mockServices.database({ knex }),
  });
  const steps = new RunStepStore(knex);
  const workflow = await store.createWorkflow({
    definition,
    actor: 'user:default/ada',
  });
  const run = await store.createRun({
    workflowId: workflow.id,
    revision: 1,
    requestedBy: 'user:default/grace',
    status: 'in_progress',
    inputs: {},
  });
  const started = await steps.updateSteps(run.id, (_, now) =>
    planRunStart(engine(graph, now)),
  );
  return { store, steps, run, started };
}
