export { RunWorkflowDialog } from './RunWorkflowDialog';
export type { RunWorkflowDialogProps } from './RunWorkflowDialog';
export { EntityPicker } from './EntityPicker';
export type { EntityPickerProps } from './EntityPicker';
