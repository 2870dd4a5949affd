import type {
  Run,
  RunStatus,
  StepsWorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import {
  type DeliveryEntity,
  type NewDelivery,
  newDeliveryIds,
} from '../database/deliveryRows';
import {
  type AppliedStepPlan,
  type RunStepsState,
  type StepPlan,
  type StepPlanner,
  stepsAfter,
} from '../database/runStepWrites';
import type { StepEngineContext } from '../steps/planSteps';
import { upstreamOutputs } from '../steps/upstreamOutputs';
import type { DeliveryWorker } from './DeliveryWorker';

/**
 * The requests of steps that a plan starts, claimed by this replica inside
 * the plan's transaction and sent once it commits: whoever ends a step (a
 * response, a callback, a decision, a deadline) starts its dependents
 * without waiting for any replica to poll.
 */
export class StepRequestStarts {
  /** Tokens of the deliveries prepared, by delivery id. */
  private readonly tokens = new Map<string, string>();
  /**
   * The plan the planner made last, with what it was made from: the one
   * its transaction committed.
   */
  private last:
    | { plan: StepPlan | undefined; state: RunStepsState; now: Date }
    | undefined;

  constructor(
    private readonly worker: DeliveryWorker,
    private readonly run: Pick<Run, 'id' | 'inputs' | 'requestedBy'>,
    private readonly definition: StepsWorkflowDefinition,
    private readonly entity: DeliveryEntity | undefined,
  ) {}

  /** The engine's context at `now`, claiming step requests for this replica. */
  context(now: Date): StepEngineContext {
    return {
      steps: this.definition.steps,
      inputs: this.run.inputs,
      now,
      prepareRequest: step => {
        const { claim, token } = this.worker.newClaim();
        const delivery: NewDelivery = {
          ...newDeliveryIds(),
          maxAttempts: step.delivery?.maxAttempts ?? 1,
          entity: this.entity,
          claim,
        };
        // A transaction tried again plans again: only what lands is sent.
        this.tokens.set(delivery.id, token);
        return delivery;
      },
    };
  }

  /** A store planner that plans with this context. */
  planner(
    plan: (
      context: StepEngineContext,
      state: RunStepsState,
    ) => StepPlan | undefined,
  ): StepPlanner {
    return (state, now) => {
      const made = plan(this.context(now), state);
      this.last = { plan: made, state, now };
      return made;
    };
  }

  /**
   * The plan that started the run, once the run is written with its
   * steps, as applied (computed from what it was made from, as the store
   * computes a plan's result).
   */
  startedPlan(runStatus: RunStatus): AppliedStepPlan {
    if (!this.last?.plan) {
      return { steps: [], runStatus };
    }
    const { plan, state, now } = this.last;
    return {
      plan,
      steps: stepsAfter(state.steps, plan, now),
      runStatus,
      ...(state.version !== undefined && { version: state.version }),
    };
  }

  /**
   * Sends the first attempts of the requests the applied plan started,
   * each knowing where the steps stood once it started.
   */
  send(applied: AppliedStepPlan | undefined): void {
    if (!applied) {
      return;
    }
    for (const { stepId, delivery } of applied.plan?.deliveries ?? []) {
      const token = this.tokens.get(delivery.id);
      if (token === undefined) {
        continue;
      }
      this.worker.sendPreparedStep(
        { delivery, token },
        stepId,
        this.run,
        this.definition,
        upstreamOutputs(this.definition.steps, stepId, applied.steps),
        applied,
      );
    }
  }

  /** Ids of the deliveries prepared, whether or not they landed. */
  preparedIds(): string[] {
    return [...this.tokens.keys()];
  }

  tokenOf(deliveryId: string): string | undefined {
    return this.tokens.get(deliveryId);
  }
}
