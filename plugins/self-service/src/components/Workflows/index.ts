export { WorkflowAvatar, workflowColor } from './WorkflowAvatar';
export type { WorkflowAvatarProps } from './WorkflowAvatar';
export { WorkflowCard, runButtonLabel } from './WorkflowCard';
export type { WorkflowCardProps } from './WorkflowCard';
export { WorkflowGrid, WorkflowList } from './WorkflowList';
export type { WorkflowGridProps, WorkflowListProps } from './WorkflowList';
export { accessLabel, scopeLabel } from './workflowLabels';
export { filterWorkflows } from './filterWorkflows';
export type { WorkflowFilters, WorkflowScopeFilter } from './filterWorkflows';
