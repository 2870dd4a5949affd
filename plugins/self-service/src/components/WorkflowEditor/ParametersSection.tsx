import { useEffect, useId, useRef, useState } from 'react';
import { Button, FormHelperText, Typography } from '@material-ui/core';
import Add from '@material-ui/icons/Add';
import { EditorSection, SectionProps } from './EditorSection';
import { ParameterEditor } from './ParameterEditor';
import { ParameterForm, emptyParameter } from './workflowForm';

/** Where focus goes after a change of the list. */
type PendingFocus =
  | { type: 'moved'; key: string; offset: -1 | 1 }
  | { type: 'removed' };

/** The input parameters: add, edit, reorder and remove them. */
export function ParametersSection(props: SectionProps) {
  const { form, errors, onChange } = props;
  const id = useId();
  const addButton = useRef<HTMLButtonElement>(null);
  const [added, setAdded] = useState<string>();
  const [pendingFocus, setPendingFocus] = useState<PendingFocus>();
  const buttonIdPrefix = (key: string) => `${id}-${key}`;

  // Moving a row moves its DOM nodes, which loses focus; put it back on the
  // button used (or its twin when the row reached an end).
  useEffect(() => {
    if (!pendingFocus) {
      return;
    }
    if (pendingFocus.type === 'removed') {
      addButton.current?.focus();
    } else {
      const prefix = buttonIdPrefix(pendingFocus.key);
      const same = document.getElementById(
        `${prefix}-${pendingFocus.offset < 0 ? 'up' : 'down'}`,
      ) as HTMLButtonElement | null;
      const other = document.getElementById(
        `${prefix}-${pendingFocus.offset < 0 ? 'down' : 'up'}`,
      ) as HTMLButtonElement | null;
      (same && !same.disabled ? same : other)?.focus();
    }
    setPendingFocus(undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pendingFocus]);

  const updateParameters = (
    update: (parameters: ParameterForm[]) => ParameterForm[],
  ) => onChange(f => ({ ...f, parameters: update(f.parameters) }));

  return (
    <EditorSection
      title="Parameters"
      description="Inputs users provide when they run the workflow, available to the request as {{data.<identifier>}}."
    >
      {errors.parameters && (
        <FormHelperText error>{errors.parameters}</FormHelperText>
      )}
      {form.parameters.length === 0 && (
        <Typography variant="body2" color="textSecondary" paragraph>
          No parameters: the workflow runs without asking for input.
        </Typography>
      )}
      {form.parameters.map((parameter, index) => (
        <ParameterEditor
          key={parameter.key}
          parameter={parameter}
          index={index}
          count={form.parameters.length}
          errors={errors}
          focusOnMount={parameter.key === added}
          buttonIdPrefix={buttonIdPrefix(parameter.key)}
          onChange={update =>
            updateParameters(parameters =>
              parameters.map(p => (p.key === parameter.key ? update(p) : p)),
            )
          }
          onMove={offset => {
            updateParameters(parameters => {
              const from = parameters.findIndex(p => p.key === parameter.key);
              const to = from + offset;
              if (from < 0 || to < 0 || to >= parameters.length) {
                return parameters;
              }
              const next = [...parameters];
              [next[from], next[to]] = [next[to], next[from]];
              return next;
            });
            setPendingFocus({ type: 'moved', key: parameter.key, offset });
          }}
          onRemove={() => {
            updateParameters(parameters =>
              parameters.filter(p => p.key !== parameter.key),
            );
            setPendingFocus({ type: 'removed' });
          }}
        />
      ))}
      <Button
        ref={addButton}
        variant="outlined"
        color="primary"
        startIcon={<Add />}
        onClick={() => {
          const parameter = emptyParameter();
          setAdded(parameter.key);
          updateParameters(parameters => [...parameters, parameter]);
        }}
      >
        Add parameter
      </Button>
    </EditorSection>
  );
}
