import type { SetupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { WorkflowListItem } from '@backstage-self-service/plugin-self-service-common';
import {
  SELF_SERVICE_URL,
  SeenRequest,
  seeRequest,
} from '../../../testUtils/mswBackend';
import { makeWorkflow } from '../../../testUtils/fixtures';

/** The page size of the backend when a request names none. */
export const DEFAULT_WORKFLOW_LIMIT = 24;

/** `count` workflows named `Workflow 001`, `Workflow 002`, … in name order. */
export function makeWorkflows(
  count: number,
  overrides: (index: number) => Partial<WorkflowListItem> = () => ({}),
): WorkflowListItem[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return makeWorkflow({
      id: `w-${n}`,
      identifier: `workflow-${n}`,
      name: `Workflow ${n}`,
      description: `Workflow number ${n}.`,
      ...overrides(i),
    });
  });
}

/** What {@link serveWorkflowList} gives a test. */
export interface WorkflowListBackend {
  /** Every `GET /workflows` the backend saw, in order. */
  requests: SeenRequest[];
}

/**
 * Answers `GET /api/self-service/workflows` like the backend does: filters
 * `workflows` by `search` (every word in the name, description or
 * identifier), `scope` and `approval`, and answers one page of `limit` with
 * a cursor to the next and the total count. `entityRef` is recorded but not
 * applied: the workflows given are those of the entity. Before answering, it
 * waits for `options.gate` of the request when given, and answers what that
 * gives if it is a response.
 */
export function serveWorkflowList(
  server: SetupServer,
  workflows: WorkflowListItem[],
  options: {
    gate?: (
      query: URLSearchParams,
    ) => Promise<Response | void> | Response | void;
  } = {},
): WorkflowListBackend {
  const backend: WorkflowListBackend = { requests: [] };
  server.use(
    http.get(`${SELF_SERVICE_URL}/workflows`, async ({ request }) => {
      const seen = await seeRequest(request);
      backend.requests.push(seen);
      const { query } = seen;
      const answer = await options.gate?.(query);
      if (answer) {
        return answer;
      }

      const words = (query.get('search') ?? '')
        .toLocaleLowerCase('en-US')
        .split(/\s+/)
        .filter(Boolean);
      const scope = query.get('scope');
      const approval = query.get('approval') === 'true';
      const matching = workflows.filter(workflow => {
        if (scope && workflow.scope.type !== scope) {
          return false;
        }
        if (approval && workflow.access.type !== 'approval') {
          return false;
        }
        const text = [workflow.name, workflow.description, workflow.identifier]
          .join('\n')
          .toLocaleLowerCase('en-US');
        return words.every(word => text.includes(word));
      });

      const limit = Number(query.get('limit') ?? DEFAULT_WORKFLOW_LIMIT);
      const offset = Number(query.get('cursor')?.replace(/^offset-/, '') ?? 0);
      const items = matching.slice(offset, offset + limit);
      const next = offset + limit;
      return HttpResponse.json({
        items,
        ...(next < matching.length ? { nextCursor: `offset-${next}` } : {}),
        totalCount: matching.length,
      });
    }),
  );
  return backend;
}
