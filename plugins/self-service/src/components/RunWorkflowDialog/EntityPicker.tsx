import {
  createContext,
  MouseEvent,
  Ref,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import {
  Box,
  CircularProgress,
  Paper,
  PaperProps,
  TextField,
  Typography,
} from '@material-ui/core';
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
import { WorkflowListItem } from '@backstage-self-service/plugin-self-service-common';

/** The entity fields the picker needs. */
const ENTITY_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'spec.type',
  'relations',
];

/** How many entities one search asks the catalog for. */
export const ENTITY_SEARCH_LIMIT = 50;

/** How long typing must pause before the catalog is searched, in ms. */
export const ENTITY_SEARCH_DEBOUNCE_MS = 250;

/** Props of {@link EntityPicker}. */
export interface EntityPickerProps {
  workflow: WorkflowListItem;
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

/** `value`, once it has stayed the same for `delayMs`. */
function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

/** One search of the catalog: the filter of the workflow and a term. */
interface EntitySearchQuery {
  filter: Record<string, string[]>;
  /** The entity refs the user owns, for owner-only workflows. */
  owners?: string[];
  term: string;
}

/** What a search found. */
interface EntitySearchResult {
  query: EntitySearchQuery;
  /** The entities found, checked and sorted by label. */
  items: Entity[];
  /** How many entities the catalog has that match the query. */
  totalItems: number;
  /** How many entities the catalog sent. */
  returned: number;
  error?: Error;
}

/** What {@link useWorkflowEntities} tells. */
export interface WorkflowEntities {
  /** The entities of the latest search that answered. */
  entities: Entity[];
  /** How many entities match that search in the catalog, shown or not. */
  totalItems: number;
  /** How many entities the catalog sent for that search. */
  returned: number;
  /** Whether a search is under way (or waiting for typing to pause). */
  loading: boolean;
  error?: Error;
  /**
   * Whether the catalog has no entity at all the workflow applies to (as
   * last seen without a search term); undefined as long as unknown.
   */
  none?: boolean;
}

/**
 * Searches the catalog for the entities a workflow may run against: those of
 * its kinds and types, and for owner-only workflows those the user owns,
 * whose name or title contains `searchText`. The catalog filters and sends at
 * most {@link ENTITY_SEARCH_LIMIT} entities; the same checks run here as well
 * so the list stays right whatever the catalog made of the query. The search
 * waits for typing to pause, and an answer to an older search never replaces
 * the answer to a newer one.
 */
export function useWorkflowEntities(
  workflow: WorkflowListItem,
  searchText: string,
): WorkflowEntities {
  const catalogApi = useApi(catalogApiRef);
  const identityApi = useApi(identityApiRef);
  const { scope, access } = workflow;
  const ownersOnly = access.type === 'owners';

  const ownership = useAsync(async () => {
    if (!ownersOnly) {
      return undefined;
    }
    return (await identityApi.getBackstageIdentity()).ownershipEntityRefs;
  }, [identityApi, ownersOnly]);

  const wantedTerm = searchText.trim();
  const term = useDebouncedValue(wantedTerm, ENTITY_SEARCH_DEBOUNCE_MS);

  const owners = ownership.value;
  const filter = useMemo((): Record<string, string[]> | undefined => {
    if (scope.type !== 'entity') {
      return undefined;
    }
    return {
      kind: scope.kinds,
      ...(scope.types?.length ? { 'spec.type': scope.types } : {}),
      ...(owners ? { 'relations.ownedBy': owners } : {}),
    };
  }, [scope, owners]);

  const query = useMemo(
    (): EntitySearchQuery | undefined =>
      filter && !ownership.loading && !ownership.error
        ? { filter, owners, term }
        : undefined,
    [filter, owners, term, ownership.loading, ownership.error],
  );

  const [result, setResult] = useState<EntitySearchResult>();
  // The latest answer without a search term, to tell when there is nothing.
  const [unfiltered, setUnfiltered] = useState<EntitySearchResult>();

  useEffect(() => {
    if (!query) {
      return undefined;
    }
    let current = true;
    const settle = (found: EntitySearchResult) => {
      // An answer to a query that has since changed is stale: drop it.
      if (!current) {
        return;
      }
      setResult(found);
      if (!found.query.term && !found.error) {
        setUnfiltered(found);
      }
    };

    if (query.owners && query.owners.length === 0) {
      settle({ query, items: [], totalItems: 0, returned: 0 });
      return () => {
        current = false;
      };
    }

    catalogApi
      .queryEntities({
        filter: query.filter,
        fields: ENTITY_FIELDS,
        limit: ENTITY_SEARCH_LIMIT,
        orderFields: { field: 'metadata.name', order: 'asc' },
        fullTextFilter: query.term
          ? { term: query.term, fields: ['metadata.name', 'metadata.title'] }
          : undefined,
      })
      .then(
        response =>
          settle({
            query,
            items: checkEntities(response.items, scope, query.owners),
            totalItems: response.totalItems,
            returned: response.items.length,
          }),
        error =>
          settle({
            query,
            items: [],
            totalItems: 0,
            returned: 0,
            error: error instanceof Error ? error : new Error(String(error)),
          }),
      );
    return () => {
      current = false;
    };
  }, [catalogApi, query, scope]);

  if (scope.type !== 'entity') {
    return {
      entities: [],
      totalItems: 0,
      returned: 0,
      loading: false,
      none: true,
    };
  }
  const answered = result && query && result.query === query;
  return {
    entities: result?.items ?? [],
    totalItems: result?.totalItems ?? 0,
    returned: result?.returned ?? 0,
    loading:
      ownership.loading ||
      (!ownership.error && (!answered || term !== wantedTerm)),
    error: ownership.error ?? result?.error,
    none:
      unfiltered && unfiltered.query.filter === filter
        ? unfiltered.items.length === 0
        : undefined,
  };
}

/**
 * The entities of `items` that are of the kinds and types of the scope, and
 * owned by one of `owners` when given, sorted by their label.
 */
function checkEntities(
  items: Entity[],
  scope: WorkflowListItem['scope'],
  owners: string[] | undefined,
): Entity[] {
  if (scope.type !== 'entity') {
    return [];
  }
  const kinds = lowerSet(scope.kinds);
  const types = lowerSet(scope.types);
  const ownerSet = owners && lowerSet(owners);
  return items
    .filter(entity => kinds.has(entity.kind.toLocaleLowerCase('en-US')))
    .filter(
      entity =>
        types.size === 0 ||
        types.has(String(entity.spec?.type ?? '').toLocaleLowerCase('en-US')),
    )
    .filter(
      entity =>
        !ownerSet ||
        (entity.relations ?? []).some(
          relation =>
            relation.type === RELATION_OWNED_BY &&
            ownerSet.has(relation.targetRef.toLocaleLowerCase('en-US')),
        ),
    )
    .sort((a, b) => entityOptionLabel(a).localeCompare(entityOptionLabel(b)));
}

/** The note under the list of options, if any. */
const ListNoteContext = createContext<string | undefined>(undefined);

/** Keeps the focus in the field when the note is clicked. */
function keepFocus(event: MouseEvent) {
  event.preventDefault();
}

/** The popup of the picker: the options, then the note about them. */
function EntityListPaper(props: PaperProps) {
  const { children, ...rest } = props;
  const note = useContext(ListNoteContext);
  return (
    <Paper {...rest}>
      {children}
      {note && (
        <Box px={2} py={1} onMouseDown={keepFocus}>
          <Typography variant="caption" color="textSecondary" role="status">
            {note}
          </Typography>
        </Box>
      )}
    </Paper>
  );
}

/**
 * Picks the entity an entity-scoped workflow runs against, among the
 * entities it applies to (and for owner-only workflows, that the user owns).
 * The catalog is searched as the user types.
 */
export function EntityPicker(props: EntityPickerProps) {
  const { workflow, value, onChange, onBlur, error, disabled, inputRef } =
    props;
  const [searchText, setSearchText] = useState('');
  const {
    entities,
    totalItems,
    returned,
    loading,
    error: loadError,
    none,
  } = useWorkflowEntities(workflow, searchText);
  const ownersOnly = workflow.access.type === 'owners';

  // The chosen entity stays an option even once a search no longer finds it.
  const options = useMemo(() => {
    if (!value) {
      return entities;
    }
    const ref = stringifyEntityRef(value);
    return entities.some(entity => stringifyEntityRef(entity) === ref)
      ? entities
      : [value, ...entities];
  }, [entities, value]);

  const note =
    !loadError && totalItems > returned
      ? `Showing the first ${returned} of ${totalItems}; type to narrow down.`
      : undefined;

  let helperText: string;
  if (error) {
    helperText = error;
  } else if (loadError) {
    helperText = `Could not load entities: ${loadError.message}`;
  } else if (none) {
    helperText = ownersOnly
      ? 'You own no entity this workflow applies to.'
      : 'No entity in the catalog matches this workflow.';
  } else if (ownersOnly) {
    helperText = 'Only entities you own are listed.';
  } else {
    helperText = 'The entity the workflow runs against.';
  }

  return (
    <ListNoteContext.Provider value={note}>
      <Autocomplete<Entity>
        // MUI's combobox wrapper is a control of its own to screen readers.
        aria-label="Entity"
        options={options}
        value={value}
        onChange={(_event, entity) => onChange(entity)}
        // Only what the user types is a search; the label of the chosen
        // entity filling in the field is not.
        onInputChange={(_event, text, reason) =>
          setSearchText(reason === 'input' ? text : '')
        }
        // The catalog has filtered already.
        filterOptions={x => x}
        getOptionLabel={entityOptionLabel}
        getOptionSelected={(option, selected) =>
          stringifyEntityRef(option) === stringifyEntityRef(selected)
        }
        loading={loading}
        loadingText="Loading entities…"
        noOptionsText={loading ? 'Loading entities…' : 'No matching entities'}
        PaperComponent={EntityListPaper}
        disabled={disabled}
        onBlur={onBlur}
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
    </ListNoteContext.Provider>
  );
}
