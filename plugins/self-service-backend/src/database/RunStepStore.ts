import type { Knex } from 'knex';
import { ConflictError } from '@backstage/errors';
import {
  type AppliedStepPlan,
  applyStepPlanInTx,
  lockRunSteps,
  readRunSteps,
  type RunStepRecord,
  type RunStepsState,
  type StepPlan,
  type StepPlanner,
  writeStepPlanInTx,
} from './runStepWrites';
import { toIsoString } from './runWrites';

/** An approval decision on an approval step. */
export interface StepDecision {
  stepId: string;
  /** The approver listed on the step this decision stands for. */
  approverRef: string;
  decidedBy: string;
  decision: 'approved' | 'rejected';
  comment?: string;
  createdAt: string;
}

/** What a decision's planner sees: the steps, and every decision on the step so far, this one included. */
export interface DecisionState extends RunStepsState {
  decisions: StepDecision[];
}

/**
 * Persistence of the steps of multi-step runs. Every write locks the run
 * and hands the current state to a planner (the engine's decision), so
 * what a step's end starts is decided on what is committed, not on what
 * one replica last read.
 */
export class RunStepStore {
  constructor(private readonly db: Knex) {}

  listRunSteps(runId: string): Promise<RunStepRecord[]> {
    return readRunSteps(this.db, runId);
  }

  /**
   * Runs in progress with a step past its deadline (a wait that is over,
   * an undecided gate, an event-driven step never reported), most overdue
   * first, each run once; `exceptRunIds` are left out (runs a sweep could
   * not end this time).
   */
  async listRunsWithOverdueSteps(
    now: Date,
    limit: number,
    exceptRunIds: ReadonlyArray<string> = [],
  ): Promise<string[]> {
    const query = this.db('run_steps')
      .join('runs', 'runs.id', 'run_steps.run_id')
      .whereIn('run_steps.status', ['running', 'waiting_approval'])
      .where('run_steps.deadline_at', '<=', now)
      .where('runs.status', 'in_progress')
      .groupBy('run_steps.run_id')
      .orderByRaw('min(run_steps.deadline_at) asc')
      .limit(limit)
      .select<Array<{ run_id: string }>>('run_steps.run_id');
    if (exceptRunIds.length > 0) {
      query.whereNotIn('run_steps.run_id', [...exceptRunIds]);
    }
    return (await query).map(row => row.run_id);
  }

  /**
   * Applies what `planner` decides for the run's steps, in one transaction
   * stamped `now` (the current time unless a sweep acts at a given time).
   */
  updateSteps(
    runId: string,
    planner: StepPlanner,
    now = new Date(),
  ): Promise<AppliedStepPlan> {
    return this.db.transaction(tx =>
      applyStepPlanInTx(tx, runId, planner, now),
    );
  }

  async listStepDecisions(
    runId: string,
    stepId?: string,
  ): Promise<StepDecision[]> {
    const query = this.db('run_step_decisions')
      .where('run_id', runId)
      .orderBy('created_at', 'asc')
      .orderBy('approver_ref', 'asc');
    if (stepId !== undefined) {
      query.where('step_id', stepId);
    }
    return (await query).map(toDecision);
  }

  /**
   * Records a decision on an approval step that is waiting for one, then
   * applies what `planner` decides given every decision so far. With the
   * run locked first, concurrent decisions are taken one after the other,
   * so a step is decided once however many approvers act at the same time.
   * @throws ConflictError when the step is not waiting for approval (it
   * was decided, or the run moved on), or this approver already decided.
   */
  decideStep(
    runId: string,
    decision: Omit<StepDecision, 'createdAt'>,
    planner: (state: DecisionState, now: Date) => StepPlan | undefined,
  ): Promise<AppliedStepPlan> {
    const now = new Date();
    return this.db.transaction(async tx => {
      const state = await lockRunSteps(tx, runId);
      const step = state.steps.find(s => s.stepId === decision.stepId);
      if (!step || step.status !== 'waiting_approval') {
        throw new ConflictError(
          `Step ${decision.stepId} of run ${runId} is ${
            step?.status ?? 'unknown'
          }, not waiting for approval`,
        );
      }
      const key = {
        run_id: runId,
        step_id: decision.stepId,
        approver_ref: decision.approverRef,
      };
      const existing = await tx('run_step_decisions')
        .where(key)
        .first('decided_by');
      if (existing) {
        throw new ConflictError(
          `${decision.approverRef} already decided step ${decision.stepId} of run ${runId} (by ${existing.decided_by})`,
        );
      }
      await tx('run_step_decisions').insert({
        ...key,
        decided_by: decision.decidedBy,
        decision: decision.decision,
        comment: decision.comment ?? null,
        created_at: now,
      });
      const decisions = (
        await tx('run_step_decisions')
          .where({ run_id: runId, step_id: decision.stepId })
          .orderBy('created_at', 'asc')
          .orderBy('approver_ref', 'asc')
      ).map(toDecision);
      return writeStepPlanInTx(
        tx,
        runId,
        state,
        planner({ ...state, decisions }, now),
        now,
      );
    });
  }
}

function toDecision(row: {
  step_id: string;
  approver_ref: string;
  decided_by: string;
  decision: 'approved' | 'rejected';
  comment: string | null;
  created_at: Date | string | number;
}): StepDecision {
  return {
    stepId: row.step_id,
    approverRef: row.approver_ref,
    decidedBy: row.decided_by,
    decision: row.decision,
    ...(row.comment ? { comment: row.comment } : {}),
    createdAt: toIsoString(row.created_at),
  };
}
