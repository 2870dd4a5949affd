export { RunList } from './RunList';
export type { RunListProps } from './RunList';
export { RunsTable } from './RunsTable';
export type { RunsTableProps } from './RunsTable';
export { RunStatusLabel, runStatusText } from './RunStatusLabel';
export { useRunPages } from './useRunPages';
export type { RunFilter } from './useRunPages';
export { relativeTime } from './relativeTime';
export { useOptionalRouteRef } from './useOptionalRouteRef';
