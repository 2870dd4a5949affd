import { Route, Routes } from 'react-router-dom';
import { screen, within } from '@testing-library/react';
import type { SetupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { RunEntityActionRecord } from '@backstage-self-service/plugin-self-service-common';
import { RunPageDetails, selfServiceApiRef } from '../../../api';
import { RunPage } from '../RunPage';
import { rootRouteRef } from '../../../routes';
import {
  SELF_SERVICE_URL,
  SeenRequest,
  backstageErrorResponse,
  mswSelfServiceClient,
  seeRequest,
} from '../../../testUtils/mswBackend';
import { fakeSignalApi } from '../../../testUtils/runFixtures';

/*
 * The run page with the real SelfServiceClient, msw standing in for the
 * backend, and the queries its tests share.
 */

/** A run as msw serves it, which a test moves on with `set`. */
export interface ServedRun {
  /** The ids of the runs fetched, in order. */
  fetched: string[];
  readonly current: RunPageDetails;
  set(next: RunPageDetails): void;
  /** What GET /runs/:runId/entities answers for the run; none at first. */
  entities: RunEntityActionRecord[];
}

/**
 * Serves GET /runs/:runId with `details` until a test moves it on, 404 for
 * any other run, and remembers which runs were fetched; GET
 * /runs/:runId/entities answers the run's `entities`.
 */
export function serveRun(
  server: SetupServer,
  details: RunPageDetails,
): ServedRun {
  let current = details;
  const fetched: string[] = [];
  const served: ServedRun = {
    fetched,
    get current() {
      return current;
    },
    set(next: RunPageDetails) {
      current = next;
    },
    entities: [],
  };
  server.use(
    http.get(`${SELF_SERVICE_URL}/runs/:runId/entities`, ({ params }) =>
      String(params.runId) === current.run.id
        ? HttpResponse.json({ items: served.entities })
        : backstageErrorResponse(
            404,
            'NotFoundError',
            `No run with id '${params.runId}'`,
          ),
    ),
    http.get(`${SELF_SERVICE_URL}/runs/:runId`, ({ params }) => {
      const runId = String(params.runId);
      fetched.push(runId);
      return runId === current.run.id
        ? HttpResponse.json(current)
        : backstageErrorResponse(
            404,
            'NotFoundError',
            `No run with id '${runId}'`,
          );
    }),
  );
  return served;
}

/**
 * Answers POST /runs/:runId/<action> with `answer`, remembering what was
 * posted.
 */
export function onRunAction(
  server: SetupServer,
  action:
    | 'approve'
    | 'reject'
    | 'withdraw'
    | 'redeliver'
    | 'extend'
    | 'teardown',
  answer: () => Response,
): SeenRequest[] {
  const seen: SeenRequest[] = [];
  server.use(
    http.post(
      `${SELF_SERVICE_URL}/runs/:runId/${action}`,
      async ({ request }) => {
        seen.push(await seeRequest(request));
        return answer();
      },
    ),
  );
  return seen;
}

/** Renders the page of run `runId` as the app routes to it. */
export async function renderRunPageAgainstMsw(runId = 'r-1') {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [selfServiceApiRef, mswSelfServiceClient()],
        [signalApiRef, fakeSignalApi()],
      ]}
    >
      <Routes>
        <Route path="/self-service/runs/:runId" element={<RunPage />} />
      </Routes>
    </TestApiProvider>,
    {
      mountedRoutes: {
        '/self-service': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
      routeEntries: [`/self-service/runs/${runId}`],
    },
  );
}

/**
 * The value cell of a row of a table of named values; found also while a
 * dialog hides the page from assistive technology.
 */
export function valueOf(table: HTMLElement, name: string) {
  const header = within(table).getByRole('rowheader', { name, hidden: true });
  return header.closest('tr')!.querySelector('td')!;
}

/**
 * The status in the side panel; found also while a dialog hides the page
 * from assistive technology.
 */
export function runStatus() {
  return valueOf(
    screen.getByRole('table', { name: 'Run details', hidden: true }),
    'Status',
  );
}

/**
 * The timeline's entries, in order; `hidden` finds them while a dialog hides
 * the page from assistive technology.
 */
export async function timelineEntries(options: { hidden?: boolean } = {}) {
  const timeline = await screen.findByRole('list', {
    name: 'Timeline',
    hidden: options.hidden,
  });
  return within(timeline).getAllByRole('listitem', { hidden: options.hidden });
}
