/**
 * Catalog entities that runs create, change and remove (issue 11): the
 * external system of a run posts them with the run's (or a step's) token,
 * and the catalog module publishes them.
 */

/** What a run did to an entity. */
export type RunEntityAction = 'created' | 'updated' | 'removed';

/** One thing a run did to one entity. */
export interface RunEntityActionRecord {
  runId: string;
  /** `kind:namespace/name`, lower-case. */
  entityRef: string;
  action: RunEntityAction;
  at: string;
}

/** Annotations the backend sets on every entity a run creates. */
export const RUN_ENTITY_ANNOTATIONS = {
  /** The run that created the entity. */
  run: 'self-service.backstage.io/run-id',
  /** The identifier of that run's workflow. */
  workflow: 'self-service.backstage.io/workflow',
} as const;

/** The kinds runs may create unless `selfService.catalog.allowedKinds` says otherwise. */
export const DEFAULT_RUN_ENTITY_KINDS: ReadonlyArray<string> = [
  'Component',
  'Resource',
  'System',
];
