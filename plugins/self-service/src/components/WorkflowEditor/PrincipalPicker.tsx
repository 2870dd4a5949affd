import { useMemo } from 'react';
import { Box, TextField, Typography } from '@material-ui/core';
import Autocomplete, {
  createFilterOptions,
} from '@material-ui/lab/Autocomplete';
import useAsync from 'react-use/esm/useAsync';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { errorMessage } from './fieldErrors';

/** A user or group as the picker shows it. */
interface Principal {
  ref: string;
  label: string;
  kind: 'User' | 'Group';
}

function displayName(entity: Entity): string {
  const profile = (entity.spec as { profile?: { displayName?: unknown } })
    ?.profile;
  if (typeof profile?.displayName === 'string' && profile.displayName) {
    return profile.displayName;
  }
  return entity.metadata.title || entity.metadata.name;
}

/** Users and groups of the catalog, groups first, by name. */
function usePrincipals() {
  const catalogApi = useApi(catalogApiRef);
  return useAsync(async (): Promise<Principal[]> => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: ['User', 'Group'] },
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.title',
        'spec.profile.displayName',
      ],
    });
    return items
      .map(entity => ({
        ref: stringifyEntityRef(entity),
        label: displayName(entity),
        kind:
          entity.kind.toLocaleLowerCase('en-US') === 'group'
            ? ('Group' as const)
            : ('User' as const),
      }))
      .sort(
        (a, b) =>
          a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label),
      );
  }, [catalogApi]);
}

/** Props of {@link PrincipalPicker}. */
export interface PrincipalPickerProps {
  id: string;
  label: string;
  helperText: string;
  error?: string;
  required?: boolean;
  /** User and group entity refs. */
  value: string[];
  onChange: (value: string[]) => void;
}

/**
 * Chooses users and groups of the catalog, by their display names; the value
 * is their entity refs. A ref that is not in the catalog can be typed.
 */
export function PrincipalPicker(props: PrincipalPickerProps) {
  const { id, label, helperText, error, required, value, onChange } = props;
  const { value: principals, loading, error: loadError } = usePrincipals();

  const byRef = useMemo(
    () => new Map((principals ?? []).map(p => [p.ref, p])),
    [principals],
  );
  const options = useMemo(
    () => (principals ?? []).map(p => p.ref),
    [principals],
  );
  const filterOptions = useMemo(
    () =>
      createFilterOptions<string>({
        stringify: ref => `${byRef.get(ref)?.label ?? ''} ${ref}`,
      }),
    [byRef],
  );

  const hint = loadError
    ? `Could not load users and groups from the catalog (${errorMessage(
        loadError,
      )}); type entity refs like user:default/ada and press Enter.`
    : helperText;

  return (
    <Autocomplete<string, true, false, true>
      id={id}
      // MUI's combobox wrapper is a control of its own to screen readers.
      aria-label={label}
      multiple
      freeSolo
      // A typed ref is kept when the field loses focus (Tab or a click
      // elsewhere), not only on Enter.
      autoSelect
      filterSelectedOptions
      loading={loading}
      options={options}
      value={value}
      filterOptions={filterOptions}
      groupBy={ref => (byRef.get(ref)?.kind === 'Group' ? 'Groups' : 'Users')}
      getOptionLabel={ref => byRef.get(ref)?.label ?? ref}
      renderOption={ref => (
        <Box>
          <Typography variant="body2">
            {byRef.get(ref)?.label ?? ref}
          </Typography>
          <Typography variant="caption" color="textSecondary">
            {ref}
          </Typography>
        </Box>
      )}
      onChange={(_event, next) => {
        const refs = next.map(item => item.trim()).filter(Boolean);
        onChange([...new Set(refs)]);
      }}
      renderInput={params => (
        <TextField
          {...params}
          label={label}
          required={required}
          variant="outlined"
          error={!!error}
          helperText={error ?? hint}
          inputProps={{ ...params.inputProps, required: false }}
        />
      )}
    />
  );
}
