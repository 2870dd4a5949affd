import { Ref } from 'react';
import { CircularProgress, TextField } from '@material-ui/core';
import Autocomplete from '@material-ui/lab/Autocomplete';
import useAsync from 'react-use/esm/useAsync';
import {
  Entity,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  humanizeEntityRef,
} from '@backstage/plugin-catalog-react';
import { WorkflowSummary } from '@internal/plugin-self-service-common';

/** The entity fields the picker needs. */
const ENTITY_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'spec.type',
  'relations',
];

/** Props of {@link EntityPicker}. */
export interface EntityPickerProps {
  workflow: WorkflowSummary;
  value: Entity | null;
  onChange(entity: Entity | null): void;
  onBlur?(): void;
  error?: string;
  disabled?: boolean;
  inputRef?: Ref<HTMLInputElement>;
}

/** How an entity reads in the picker: its title and its ref. */
export function entityOptionLabel(entity: Entity): string {
  const ref = humanizeEntityRef(entity);
  const title = entity.metadata.title;
  return title && title !== entity.metadata.name ? `${title} (${ref})` : ref;
}

function lowerSet(values: string[] | undefined): Set<string> {
  return new Set((values ?? []).map(v => v.toLocaleLowerCase('en-US')));
}

/**
 * The entities of the catalog a workflow may run against: those of its kinds
 * and types, and for owner-only workflows those the user owns. The catalog
 * filters; the same checks run here as well so the list stays right whatever
 * the catalog made of the query.
 */
export function useWorkflowEntities(workflow: WorkflowSummary) {
  const catalogApi = useApi(catalogApiRef);
  const identityApi = useApi(identityApiRef);
  const { scope, access } = workflow;
  const ownersOnly = access.type === 'owners';

  return useAsync(async (): Promise<Entity[]> => {
    if (scope.type !== 'entity') {
      return [];
    }
    const ownershipEntityRefs = ownersOnly
      ? (await identityApi.getBackstageIdentity()).ownershipEntityRefs
      : undefined;
    if (ownershipEntityRefs && ownershipEntityRefs.length === 0) {
      return [];
    }
    const { items } = await catalogApi.getEntities({
      filter: {
        kind: scope.kinds,
        ...(scope.types?.length ? { 'spec.type': scope.types } : {}),
        ...(ownershipEntityRefs
          ? { 'relations.ownedBy': ownershipEntityRefs }
          : {}),
      },
      fields: ENTITY_FIELDS,
    });

    const kinds = lowerSet(scope.kinds);
    const types = lowerSet(scope.types);
    const owners = ownershipEntityRefs && lowerSet(ownershipEntityRefs);
    return items
      .filter(entity => kinds.has(entity.kind.toLocaleLowerCase('en-US')))
      .filter(
        entity =>
          types.size === 0 ||
          types.has(String(entity.spec?.type ?? '').toLocaleLowerCase('en-US')),
      )
      .filter(
        entity =>
          !owners ||
          (entity.relations ?? []).some(
            relation =>
              relation.type === RELATION_OWNED_BY &&
              owners.has(relation.targetRef.toLocaleLowerCase('en-US')),
          ),
      )
      .sort((a, b) => entityOptionLabel(a).localeCompare(entityOptionLabel(b)));
  }, [catalogApi, identityApi, scope, ownersOnly]);
}

/**
 * Picks the entity an entity-scoped workflow runs against, among the
 * entities it applies to (and for owner-only workflows, that the user owns).
 */
export function EntityPicker(props: EntityPickerProps) {
  const { workflow, value, onChange, onBlur, error, disabled, inputRef } =
    props;
  const {
    value: entities,
    loading,
    error: loadError,
  } = useWorkflowEntities(workflow);
  const ownersOnly = workflow.access.type === 'owners';

  let helperText: string;
  if (error) {
    helperText = error;
  } else if (loadError) {
    helperText = `Could not load entities: ${loadError.message}`;
  } else if (!loading && entities?.length === 0) {
    helperText = ownersOnly
      ? 'You own no entity this workflow applies to.'
      : 'No entity in the catalog matches this workflow.';
  } else if (ownersOnly) {
    helperText = 'Only entities you own are listed.';
  } else {
    helperText = 'The entity the workflow runs against.';
  }

  return (
    <Autocomplete<Entity>
      // MUI's combobox wrapper is a control of its own to screen readers.
      aria-label="Entity"
      options={entities ?? []}
      value={value}
      onChange={(_event, entity) => onChange(entity)}
      getOptionLabel={entityOptionLabel}
      getOptionSelected={(option, selected) =>
        stringifyEntityRef(option) === stringifyEntityRef(selected)
      }
      loading={loading}
      disabled={disabled}
      onBlur={onBlur}
      noOptionsText={loading ? 'Loading entities…' : 'No matching entities'}
      renderInput={params => (
        <TextField
          {...params}
          label="Entity"
          required
          variant="outlined"
          margin="normal"
          inputRef={inputRef}
          error={Boolean(error || loadError)}
          helperText={helperText}
          InputProps={{
            ...params.InputProps,
            endAdornment: (
              <>
                {loading && (
                  <CircularProgress
                    color="inherit"
                    size={20}
                    aria-label="Loading entities"
                  />
                )}
                {params.InputProps.endAdornment}
              </>
            ),
          }}
        />
      )}
    />
  );
}
