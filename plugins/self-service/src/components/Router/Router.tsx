import { Route, Routes } from 'react-router-dom';
import {
  editWorkflowRouteRef,
  newWorkflowRouteRef,
  runRouteRef,
} from '../../routes';
import { RunPage } from '../RunPage';
import { SelfServicePage } from '../SelfServicePage';
import { WorkflowEditorPage } from '../WorkflowEditor';

/**
 * The pages below the Self-Service route: the workflow list at its root, a
 * run's page and the workflow editor, each with its own header.
 */
export function Router() {
  return (
    <Routes>
      <Route path="/" element={<SelfServicePage />} />
      <Route path={runRouteRef.path} element={<RunPage />} />
      <Route path={newWorkflowRouteRef.path} element={<WorkflowEditorPage />} />
      <Route
        path={editWorkflowRouteRef.path}
        element={<WorkflowEditorPage />}
      />
    </Routes>
  );
}
