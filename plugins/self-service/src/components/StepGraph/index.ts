export { StepGraph } from './StepGraph';
export type { StepGraphProps } from './StepGraph';
