import { useId } from 'react';
import {
  FormControl,
  FormHelperText,
  FormLabel,
  Grid,
  RadioGroup,
  TextField,
} from '@material-ui/core';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { EditorSection, SectionProps } from './EditorSection';
import { RadioOption } from './RadioOption';

/** Entity kinds offered in the kinds field; others can be typed. */
export const COMMON_KINDS = [
  'Component',
  'System',
  'Resource',
  'API',
  'Group',
  'User',
  'Domain',
];

/** `spec.type` values offered in the types field; others can be typed. */
const COMMON_TYPES = [
  'service',
  'website',
  'library',
  'database',
  'openapi',
  'grpc',
  'team',
];

/** Props of {@link ChipsField}. */
interface ChipsFieldProps {
  id: string;
  label: string;
  required?: boolean;
  options: string[];
  value: string[];
  error?: string;
  helperText: string;
  /** Highlight the first matching option while typing. */
  autoHighlight?: boolean;
  onChange: (value: string[]) => void;
}

/** A list of free-form values as chips, with suggestions. */
function ChipsField(props: ChipsFieldProps) {
  const { id, label, required, options, value, error, helperText } = props;
  return (
    <Autocomplete<string, true, false, true>
      id={id}
      // MUI's combobox wrapper is a control of its own to screen readers.
      aria-label={label}
      multiple
      freeSolo
      autoSelect
      autoHighlight={props.autoHighlight}
      filterSelectedOptions
      options={options}
      value={value}
      onChange={(_event, next) => {
        const seen = new Set<string>();
        props.onChange(
          next
            .map(item => item.trim())
            .filter(item => {
              const key = item.toLocaleLowerCase('en-US');
              if (item === '' || seen.has(key)) {
                return false;
              }
              seen.add(key);
              return true;
            }),
        );
      }}
      renderInput={params => (
        <TextField
          {...params}
          label={label}
          required={required}
          variant="outlined"
          error={!!error}
          helperText={error ?? helperText}
          // Required is shown on the label; the chips are the value.
          inputProps={{ ...params.inputProps, required: false }}
        />
      )}
    />
  );
}

/** Whether the workflow is global or runs for catalog entities. */
export function ScopeSection(props: SectionProps) {
  const { form, errors, onChange } = props;
  const id = useId();
  const legendId = `${id}-legend`;

  return (
    <EditorSection
      title="Scope"
      description="Both kinds of workflow can be run from the Self-Service page; entity-specific ones also from the Workflows tab of the entities they apply to, where the app shows that tab (by default on components, systems, resources and APIs)."
    >
      <FormControl
        component="fieldset"
        error={!!errors['scope.type']}
        fullWidth
      >
        <FormLabel component="legend" id={legendId}>
          Applies to
        </FormLabel>
        <RadioGroup
          aria-labelledby={legendId}
          name={`${id}-scope`}
          value={form.scopeType}
          onChange={event => {
            const scopeType = event.target.value as 'global' | 'entity';
            onChange(f => ({ ...f, scopeType }));
          }}
        >
          <RadioOption
            value="global"
            label="Global"
            description="Runs on its own, not for a particular entity."
          />
          <RadioOption
            value="entity"
            label="Entity-specific"
            description="Runs for one catalog entity of the kinds below, with entity variables in the request; can be limited to the entity's owners."
          />
        </RadioGroup>
        {errors['scope.type'] && (
          <FormHelperText>{errors['scope.type']}</FormHelperText>
        )}
      </FormControl>

      {form.scopeType === 'entity' && (
        <Grid container spacing={2}>
          <Grid item xs={12} md={6}>
            <ChipsField
              id={`${id}-kinds`}
              label="Kinds"
              required
              autoHighlight
              options={COMMON_KINDS}
              value={form.kinds}
              error={errors['scope.kinds']}
              helperText="Entity kinds the workflow applies to. Type to filter, Enter to add; kinds not listed can be typed."
              onChange={kinds => onChange(f => ({ ...f, kinds }))}
            />
          </Grid>
          <Grid item xs={12} md={6}>
            <ChipsField
              id={`${id}-types`}
              label="Types (optional)"
              options={COMMON_TYPES}
              value={form.types}
              error={errors['scope.types']}
              helperText="Only entities with one of these spec.type values, like service. Empty means every type."
              onChange={types => onChange(f => ({ ...f, types }))}
            />
          </Grid>
        </Grid>
      )}
    </EditorSection>
  );
}
