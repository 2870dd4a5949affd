export { WorkflowAvatar, workflowColor } from './WorkflowAvatar';
export type { WorkflowAvatarProps } from './WorkflowAvatar';
export { WorkflowCard, runButtonLabel } from './WorkflowCard';
export type { WorkflowCardProps } from './WorkflowCard';
export {
  WorkflowGrid,
  WorkflowList,
  WorkflowResults,
  workflowCountText,
} from './WorkflowList';
export type {
  WorkflowGridProps,
  WorkflowListProps,
  WorkflowResultsProps,
} from './WorkflowList';
export { accessLabel, scopeLabel } from './workflowLabels';
export { mayEditWorkflow, workflowRunnability } from './capabilities';
export { WORKFLOW_PAGE_SIZE, useWorkflowPages } from './useWorkflowPages';
export { narrowWorkflowPages } from './narrowWorkflowPages';
export type { LoadedWorkflows, WorkflowPages } from './useWorkflowPages';
