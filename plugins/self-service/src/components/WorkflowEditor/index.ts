export { WorkflowEditorPage } from './WorkflowEditorPage';
