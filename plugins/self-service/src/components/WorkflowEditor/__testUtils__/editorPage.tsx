import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { selfServiceApiRef } from '../../../api';
import { rootRouteRef } from '../../../routes';
import { mockSelfServiceApi } from '../../../testUtils/fixtures';
import {
  editorWorkflow,
  principalEntities,
} from '../../../testUtils/editorFixtures';
import { WorkflowEditorPage } from '../WorkflowEditorPage';

/*
 * The workflow editor page as the app routes to it, with a mocked
 * SelfServiceApi and the catalog's users and groups, and the queries its
 * tests share.
 */

/** Renders the editor page at `path`; resolves to the SelfServiceApi mock. */
export async function renderEditor(
  path: string,
  options: {
    api?: ReturnType<typeof mockSelfServiceApi>;
    permissionApi?: ReturnType<typeof mockApis.permission>;
  } = {},
) {
  const api = options.api ?? mockSelfServiceApi();
  const permissionApi = options.permissionApi ?? mockApis.permission();
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [selfServiceApiRef, api],
        [catalogApiRef, catalogApiMock({ entities: principalEntities() })],
        [permissionApiRef, permissionApi],
      ]}
    >
      <Routes>
        <Route
          path="/self-service/workflows/new"
          element={<WorkflowEditorPage />}
        />
        <Route
          path="/self-service/workflows/:identifier/edit"
          element={<WorkflowEditorPage />}
        />
        <Route path="/self-service" element={<p>Self-Service home</p>} />
      </Routes>
    </TestApiProvider>,
    {
      mountedRoutes: { '/self-service': rootRouteRef },
      routeEntries: [path],
    },
  );
  return api;
}

/** Types text the fast way: focus the field and paste. */
export async function fill(
  user: ReturnType<typeof userEvent.setup>,
  element: HTMLElement,
  text: string,
) {
  await user.click(element);
  await user.paste(text);
}

/** A section of the editor, by its heading. */
export function region(name: string | RegExp) {
  return screen.getByRole('region', { name });
}

/** The row of the `index`th parameter, from 1. */
export function parameterGroup(index: number) {
  return screen.getByRole('group', {
    name: new RegExp(`^Parameter ${index}\\b`),
  });
}

/** Renders the editor of {@link editorWorkflow}, loaded. */
export async function renderEditing(api = mockSelfServiceApi()) {
  api.getWorkflow.mockResolvedValue(editorWorkflow());
  await renderEditor('/self-service/workflows/restart-service/edit', { api });
  await screen.findByRole('heading', { name: 'Edit Restart service' });
  return api;
}
