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
import type { RenderedAhead } from './renderAttempt';

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
  /** Requests of the deliveries prepared, rendered ahead, by delivery id. */
  private readonly rendered = new Map<string, RenderedAhead>();
  private rendering: NodeJS.Immediate | undefined;

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
      this.renderAhead(made, state, now);
      return made;
    };
  }

  /**
   * Renders the requests a plan starts on the next turn of the event loop:
   * after the write that applies it has left for the database, so that
   * they are ready when it returns rather than delay it. Only the plan
   * made last is rendered, and its requests are sent only if it lands.
   */
  private renderAhead(
    plan: StepPlan | undefined,
    state: RunStepsState,
    now: Date,
  ): void {
    if (this.rendering) {
      clearImmediate(this.rendering);
      this.rendering = undefined;
    }
    const deliveries = plan?.deliveries ?? [];
    if (!plan || deliveries.length === 0) {
      return;
    }
    this.rendering = setImmediate(() => {
      this.rendering = undefined;
      try {
        const steps = stepsAfter(state.steps, plan, now);
        for (const { stepId, delivery } of deliveries) {
          const token = this.tokens.get(delivery.id);
          if (token !== undefined) {
            this.rendered.set(
              delivery.id,
              this.worker.renderStepAhead(
                { delivery, token },
                stepId,
                this.run,
                this.definition,
                upstreamOutputs(this.definition.steps, stepId, steps),
              ),
            );
          }
        }
      } catch {
        // Nothing here may escape the event loop's turn: what did not
        // render ahead renders when sent, and fails there as it would.
      }
    });
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
    if (this.rendering) {
      // Written before the rendering's turn came: rendered as it is sent.
      clearImmediate(this.rendering);
      this.rendering = undefined;
    }
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
        this.rendered.get(delivery.id),
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
