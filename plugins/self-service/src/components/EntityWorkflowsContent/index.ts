export { EntityWorkflowsContent } from './EntityWorkflowsContent';
