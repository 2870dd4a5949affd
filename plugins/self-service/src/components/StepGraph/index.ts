export { StepGraph } from './StepGraph';
export type { StepGraphProps } from './StepGraph';
export { STEP_KIND_TEXT } from './stepKindText';
