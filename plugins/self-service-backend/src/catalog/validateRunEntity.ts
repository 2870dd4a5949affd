import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  ANNOTATION_VIEW_URL,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  domainEntityV1alpha1Validator,
  type Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  type KindValidator,
  NoForeignRootFieldsEntityPolicy,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { RUN_ENTITY_ANNOTATIONS } from '@backstage-self-service/plugin-self-service-common';

/** The catalog's own checks, as its processing applies them. */
const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/** Kind validators of the kinds the catalog model defines and runs may create. */
const kindValidators: Record<string, KindValidator> = {
  component: componentEntityV1alpha1Validator,
  resource: resourceEntityV1alpha1Validator,
  system: systemEntityV1alpha1Validator,
  api: apiEntityV1alpha1Validator,
  domain: domainEntityV1alpha1Validator,
};

/** What an entity a run posts is checked against. */
export interface RunEntityRules {
  /** `selfService.catalog.allowedKinds`. */
  allowedKinds: ReadonlyArray<string>;
  runId: string;
  workflowIdentifier: string;
  /** The URL of the run in the backend's API, the entity's location. */
  runUrl: string;
  /**
   * Group refs the run's requester belongs to: the default owner (the
   * first), and the only owners allowed unless `anyOwner`.
   */
  requesterGroups: ReadonlyArray<string>;
  anyOwner: boolean;
}

/**
 * An entity a run's external system posts, checked as the catalog checks
 * entities (envelope, names, schema, the kind's own schema), of an allowed
 * kind, owned by one of the requester's groups (the first by default), and
 * annotated with the run, its workflow and its location.
 * @throws InputError naming the field.
 */
export async function validateRunEntity(
  body: unknown,
  rules: RunEntityRules,
): Promise<{ entity: Entity; entityRef: string }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InputError('entity: must be an object, a catalog entity');
  }
  const posted = body as Record<string, unknown>;
  if (typeof posted.kind !== 'string' || posted.kind === '') {
    throw new InputError('kind: required, a string');
  }
  const kind = rules.allowedKinds.find(
    allowed => allowed.toLowerCase() === (posted.kind as string).toLowerCase(),
  );
  if (!kind) {
    throw new InputError(
      `kind: '${
        posted.kind
      }' may not be created by runs; allowed kinds are ${rules.allowedKinds.join(
        ', ',
      )} (selfService.catalog.allowedKinds)`,
    );
  }
  const metadata = posted.metadata;
  if (
    typeof metadata !== 'object' ||
    metadata === null ||
    Array.isArray(metadata)
  ) {
    throw new InputError('metadata: required, an object');
  }
  const spec = posted.spec;
  if (spec !== undefined && (typeof spec !== 'object' || spec === null)) {
    throw new InputError('spec: must be an object');
  }
  const meta = metadata as Record<string, unknown>;
  const annotations = meta.annotations ?? {};
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    throw new InputError('metadata.annotations: must be an object');
  }

  const owner = ownerOf(spec as Record<string, unknown> | undefined, rules);
  const location = `url:${rules.runUrl}`;
  const entity = {
    ...posted,
    kind,
    metadata: {
      ...meta,
      annotations: {
        ...(annotations as Record<string, string>),
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
        // The catalog's "View" link: the run's page in the app.
        [ANNOTATION_VIEW_URL]: `/self-service/runs/${rules.runId}`,
        [RUN_ENTITY_ANNOTATIONS.run]: rules.runId,
        [RUN_ENTITY_ANNOTATIONS.workflow]: rules.workflowIdentifier,
      },
    },
    spec: { ...(spec as Record<string, unknown> | undefined), owner },
  } as unknown as Entity;

  let checked: Entity;
  try {
    const enforced = await policy.enforce(entity);
    if (!enforced) {
      throw new Error('refused by the catalog entity policies');
    }
    checked = enforced;
    const validator = kindValidators[kind.toLowerCase()];
    if (validator && !(await validator.check(checked))) {
      throw new Error(`not a valid ${kind} entity`);
    }
  } catch (error) {
    throw new InputError(`entity: ${describe(error)}`);
  }
  return { entity: checked, entityRef: stringifyEntityRef(checked) };
}

function ownerOf(
  spec: Record<string, unknown> | undefined,
  rules: RunEntityRules,
): string {
  const posted = spec?.owner;
  if (posted === undefined) {
    if (rules.requesterGroups.length === 0) {
      throw new InputError(
        "spec.owner: required: the run's requester belongs to no group to own it by default",
      );
    }
    return rules.requesterGroups[0];
  }
  if (typeof posted !== 'string' || posted.trim() === '') {
    throw new InputError(
      'spec.owner: must be an entity ref, like group:team-a',
    );
  }
  let ref: string;
  try {
    ref = stringifyEntityRef(
      parseEntityRef(posted, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    throw new InputError(`spec.owner: '${posted}' is not an entity ref`);
  }
  if (!rules.anyOwner && !rules.requesterGroups.includes(ref)) {
    throw new InputError(
      `spec.owner: '${posted}' is not a group the run's requester belongs to (${
        rules.requesterGroups.join(', ') || 'none'
      })`,
    );
  }
  return ref;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Policy check failed for [^;]*; caused by /, '');
}
