export { WorkflowCard } from './WorkflowCard';
export type { WorkflowCardProps } from './WorkflowCard';
export { WorkflowList } from './WorkflowList';
export type { WorkflowListProps } from './WorkflowList';
export { accessLabel, scopeLabel } from './workflowLabels';
