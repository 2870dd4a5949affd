import { useId } from 'react';
import {
  Box,
  Checkbox,
  FormControl,
  FormControlLabel,
  FormHelperText,
  FormLabel,
  RadioGroup,
} from '@material-ui/core';
import { WorkflowAccess } from '@backstage-self-service/plugin-self-service-common';
import { EditorSection, SectionProps } from './EditorSection';
import { PrincipalPicker } from './PrincipalPicker';
import { RadioOption } from './RadioOption';

/** Who may run the workflow: everyone, with approval, members, owners. */
export function AccessSection(props: SectionProps) {
  const { form, errors, onChange } = props;
  const id = useId();
  const legendId = `${id}-legend`;
  const entityScoped = form.scopeType === 'entity';
  const typeError =
    errors['access.type'] ??
    (form.accessType === 'owners' && !entityScoped
      ? 'Entity owners only needs an entity-specific scope; choose another option or change the scope.'
      : undefined);

  return (
    <EditorSection title="Access and permissions">
      <FormControl component="fieldset" error={!!typeError} fullWidth>
        <FormLabel component="legend" id={legendId}>
          Who can run this workflow
        </FormLabel>
        <RadioGroup
          aria-labelledby={legendId}
          name={`${id}-access`}
          value={form.accessType}
          onChange={event => {
            const accessType = event.target.value as WorkflowAccess['type'];
            onChange(f => ({ ...f, accessType }));
          }}
        >
          <RadioOption
            value="everyone"
            label="All users"
            description="Everyone can run it without approval."
          />
          <RadioOption
            value="approval"
            label="All users with approval"
            description="Everyone can request a run; one of the approvers must accept it before it runs."
          />
          <RadioOption
            value="selected"
            label="Selected teams and users"
            description="Only the chosen users and members of the chosen groups can run it."
          />
          <RadioOption
            value="owners"
            label="Entity owners only"
            disabled={!entityScoped}
            description={
              entityScoped
                ? 'Only users who own the entity, directly or through a group, can run it for that entity.'
                : 'Only for entity-specific workflows: choose Entity-specific under Scope to use it.'
            }
          />
        </RadioGroup>
        {typeError && <FormHelperText>{typeError}</FormHelperText>}
      </FormControl>

      {form.accessType === 'approval' && (
        <Box mt={2}>
          <PrincipalPicker
            id={`${id}-approvers`}
            label="Approvers"
            required
            helperText="Users and groups whose members may approve runs. Type to search the catalog."
            error={errors['access.approvers']}
            value={form.approvers}
            onChange={approvers => onChange(f => ({ ...f, approvers }))}
          />
          <FormControl error={!!errors['access.allowSelfApproval']}>
            <FormControlLabel
              control={
                <Checkbox
                  color="primary"
                  checked={form.allowSelfApproval}
                  onChange={event => {
                    const allowSelfApproval = event.target.checked;
                    onChange(f => ({ ...f, allowSelfApproval }));
                  }}
                />
              }
              label="Let requesters approve their own runs"
            />
            <FormHelperText>
              {errors['access.allowSelfApproval'] ??
                'Otherwise an approver who requests a run needs another approver.'}
            </FormHelperText>
          </FormControl>
        </Box>
      )}

      {form.accessType === 'selected' && (
        <Box mt={2}>
          <PrincipalPicker
            id={`${id}-members`}
            label="Teams and users"
            required
            helperText="Users and groups whose members may run the workflow. Type to search the catalog."
            error={errors['access.members']}
            value={form.members}
            onChange={members => onChange(f => ({ ...f, members }))}
          />
        </Box>
      )}
    </EditorSection>
  );
}
