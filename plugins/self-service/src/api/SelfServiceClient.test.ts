import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import {
  MockFetchApi,
  mockApis,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import {
  RequestPreview,
  Run,
  RunDetails,
  Workflow,
  WorkflowDefinition,
  WorkflowListItem,
} from '@backstage-self-service/plugin-self-service-common';
import { SelfServiceClient } from './SelfServiceClient';

const baseUrl = 'http://backstage.test/api/self-service';

const workflow: Workflow = {
  id: 'w-1',
  identifier: 'restart-service',
  name: 'Restart service',
  description: 'Restarts every pod of the service',
  scope: { type: 'entity', kinds: ['Component'] },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [],
  request: { method: 'POST', url: 'https://ops.example.com/restart' },
  revision: 1,
  createdAt: '2026-01-01T10:00:00.000Z',
  createdBy: 'user:default/platform',
  updatedAt: '2026-01-01T10:00:00.000Z',
  updatedBy: 'user:default/platform',
};

/** The workflow as a page of the list has it. */
const listItem: WorkflowListItem = {
  id: 'w-1',
  identifier: 'restart-service',
  revision: 1,
  name: 'Restart service',
  description: 'Restarts every pod of the service',
  scope: { type: 'entity', kinds: ['Component'] },
  execution: { type: 'simple' },
  access: { type: 'approval', approvers: ['group:default/sre'] },
  parameters: [],
  updatedAt: '2026-01-01T10:00:00.000Z',
  runnable: { allowed: true },
  capabilities: { run: { allowed: true }, edit: true, delete: false },
};

const run: Run = {
  id: 'r-1',
  workflowId: 'w-1',
  workflowIdentifier: 'restart-service',
  workflowName: 'Restart service',
  workflowRevision: 1,
  entityRef: 'component:default/payments',
  requestedBy: 'user:default/jane',
  status: 'success',
  inputs: {},
  createdAt: '2026-01-02T10:00:00.000Z',
  updatedAt: '2026-01-02T10:01:00.000Z',
  finishedAt: '2026-01-02T10:01:00.000Z',
};

const definition: WorkflowDefinition = {
  identifier: workflow.identifier,
  name: workflow.name,
  description: workflow.description,
  scope: workflow.scope,
  execution: workflow.execution,
  access: workflow.access,
  parameters: [
    {
      identifier: 'replicas',
      name: 'Replicas',
      type: 'integer',
      required: true,
    },
  ],
  request: workflow.request,
};

/** What the server saw of a request. */
interface Seen {
  method: string;
  path: string;
  search: string;
  contentType: string | null;
  ifMatch: string | null;
  body: unknown;
}

async function see(request: Request): Promise<Seen> {
  const url = new URL(request.url);
  const text = await request.text();
  return {
    method: request.method,
    path: url.pathname,
    search: url.search,
    contentType: request.headers.get('content-type'),
    ifMatch: request.headers.get('if-match'),
    body: text ? JSON.parse(text) : undefined,
  };
}

function backstageError(name: string, message: string, statusCode: number) {
  return HttpResponse.json(
    { error: { name, message }, response: { statusCode } },
    { status: statusCode },
  );
}

describe('SelfServiceClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const client = new SelfServiceClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
    fetchApi: new MockFetchApi(),
  });

  describe('listWorkflows', () => {
    it('returns the page: its items, next cursor and total count', async () => {
      server.use(
        http.get(`${baseUrl}/workflows`, () =>
          HttpResponse.json({
            items: [listItem],
            nextCursor: 'page-2',
            totalCount: 1203,
          }),
        ),
      );

      await expect(client.listWorkflows()).resolves.toEqual({
        items: [listItem],
        nextCursor: 'page-2',
        totalCount: 1203,
      });
    });

    it('returns no cursor on the last page', async () => {
      server.use(
        http.get(`${baseUrl}/workflows`, () =>
          HttpResponse.json({ items: [listItem], totalCount: 1 }),
        ),
      );

      const page = await client.listWorkflows();

      expect(page).toEqual({ items: [listItem], totalCount: 1 });
      expect(page).not.toHaveProperty('nextCursor');
    });

    it('counts the items of an answer without a total count', async () => {
      server.use(
        http.get(`${baseUrl}/workflows`, () =>
          HttpResponse.json({ items: [listItem, listItem] }),
        ),
      );

      await expect(client.listWorkflows()).resolves.toEqual({
        items: [listItem, listItem],
        totalCount: 2,
      });
    });

    it('sends no query without options', async () => {
      let search: string | undefined;
      server.use(
        http.get(`${baseUrl}/workflows`, ({ request }) => {
          search = new URL(request.url).search;
          return HttpResponse.json({ items: [], totalCount: 0 });
        }),
      );

      await client.listWorkflows();

      expect(search).toBe('');
    });

    it('sends every filter, the cursor and the limit', async () => {
      let params: URLSearchParams | undefined;
      server.use(
        http.get(`${baseUrl}/workflows`, ({ request }) => {
          params = new URL(request.url).searchParams;
          return HttpResponse.json({ items: [], totalCount: 0 });
        }),
      );

      await client.listWorkflows({
        search: '  rotate  keys ',
        scope: 'entity',
        approval: true,
        entityRef: 'component:default/payments',
        cursor: 'page-2',
        limit: 24,
      });

      expect([...params!.entries()]).toEqual([
        ['search', 'rotate  keys'],
        ['scope', 'entity'],
        ['approval', 'true'],
        ['entityRef', 'component:default/payments'],
        ['cursor', 'page-2'],
        ['limit', '24'],
      ]);
    });

    it('leaves out empty and false filters', async () => {
      let search: string | undefined;
      server.use(
        http.get(`${baseUrl}/workflows`, ({ request }) => {
          search = new URL(request.url).search;
          return HttpResponse.json({ items: [], totalCount: 0 });
        }),
      );

      await client.listWorkflows({ search: '   ', approval: false });

      expect(search).toBe('');
    });

    it('sends the search and the entity ref, encoded', async () => {
      let rawUrl: string | undefined;
      let entityRef: string | null = null;
      server.use(
        http.get(`${baseUrl}/workflows`, ({ request }) => {
          rawUrl = request.url;
          entityRef = new URL(request.url).searchParams.get('entityRef');
          return HttpResponse.json({ items: [listItem], totalCount: 1 });
        }),
      );

      await client.listWorkflows({
        search: 'a&b=c',
        entityRef: 'component:default/payments & co',
      });

      expect(entityRef).toBe('component:default/payments & co');
      expect(rawUrl).toBe(
        `${baseUrl}/workflows?search=a%26b%3Dc&entityRef=component%3Adefault%2Fpayments%20%26%20co`,
      );
    });

    it('encodes spaces and every character the API refuses as reserved', async () => {
      let rawUrl: string | undefined;
      let search: string | null = null;
      server.use(
        http.get(`${baseUrl}/workflows`, ({ request }) => {
          rawUrl = request.url;
          search = new URL(request.url).searchParams.get('search');
          return HttpResponse.json({ items: [listItem], totalCount: 1 });
        }),
      );

      await client.listWorkflows({ search: "Scale 0012 (it's) a+b!*" });

      expect(search).toBe("Scale 0012 (it's) a+b!*");
      const query = rawUrl!.slice(rawUrl!.indexOf('?') + 1);
      // What express-openapi-validator refuses in a query value.
      expect(query.split('=')[1]).not.toMatch(/[:/?#[\]@!$&'()*+,;=]/);
      expect(query).toBe('search=Scale%200012%20%28it%27s%29%20a%2Bb%21%2A');
    });

    it('throws a ResponseError with the server message on 500', async () => {
      server.use(
        http.get(`${baseUrl}/workflows`, () =>
          backstageError('Error', 'Database is unavailable', 500),
        ),
      );

      const error = await client.listWorkflows().catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(500);
      expect(error.body.error.message).toBe('Database is unavailable');
      expect(error.cause.message).toBe('Database is unavailable');
    });

    it('throws a ResponseError on 400 for a bad cursor', async () => {
      server.use(
        http.get(`${baseUrl}/workflows`, () =>
          backstageError('InputError', 'Invalid cursor', 400),
        ),
      );

      const error = await client
        .listWorkflows({ cursor: 'garbage' })
        .catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(400);
      expect(error.cause.message).toBe('Invalid cursor');
    });
  });

  describe('getWorkflow', () => {
    it('returns the workflow, with the identifier encoded in the path', async () => {
      let path: string | undefined;
      server.use(
        http.get(`${baseUrl}/workflows/:identifier`, ({ request }) => {
          path = new URL(request.url).pathname;
          return HttpResponse.json(workflow);
        }),
      );

      await expect(client.getWorkflow('restart/service')).resolves.toEqual(
        workflow,
      );
      expect(path).toBe('/api/self-service/workflows/restart%2Fservice');
    });

    it('throws a ResponseError with the server message on 404', async () => {
      server.use(
        http.get(`${baseUrl}/workflows/:identifier`, () =>
          backstageError('NotFoundError', 'No workflow named missing', 404),
        ),
      );

      const error = await client.getWorkflow('missing').catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(404);
      expect(error.body.error.name).toBe('NotFoundError');
      expect(error.cause.message).toBe('No workflow named missing');
    });
  });

  describe('listRuns', () => {
    it('sends every filter and returns the page', async () => {
      let params: URLSearchParams | undefined;
      server.use(
        http.get(`${baseUrl}/runs`, ({ request }) => {
          params = new URL(request.url).searchParams;
          return HttpResponse.json({ items: [run], nextCursor: 'next-page' });
        }),
      );

      const page = await client.listRuns({
        entityRef: 'component:default/payments',
        workflow: 'restart-service',
        status: 'success',
        mine: true,
        cursor: 'abc',
        limit: 10,
      });

      expect(page).toEqual({ items: [run], nextCursor: 'next-page' });
      expect(Object.fromEntries(params!.entries())).toEqual({
        entityRef: 'component:default/payments',
        workflow: 'restart-service',
        status: 'success',
        mine: 'true',
        cursor: 'abc',
        limit: '10',
      });
    });

    it('leaves out filters that are not set', async () => {
      let search: string | undefined;
      server.use(
        http.get(`${baseUrl}/runs`, ({ request }) => {
          search = new URL(request.url).search;
          return HttpResponse.json({ items: [] });
        }),
      );

      await expect(client.listRuns({ mine: false })).resolves.toEqual({
        items: [],
      });
      expect(search).toBe('');
    });

    it('throws a ResponseError with the server message on 400', async () => {
      server.use(
        http.get(`${baseUrl}/runs`, () =>
          backstageError('InputError', 'Invalid cursor', 400),
        ),
      );

      const error = await client.listRuns({ cursor: 'bad' }).catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(400);
      expect(error.body.error.message).toBe('Invalid cursor');
    });
  });

  describe('listRuns with approvals and statuses', () => {
    it('sends approvable and several statuses as one comma-separated value', async () => {
      let seen: Seen | undefined;
      server.use(
        http.get(`${baseUrl}/runs`, async ({ request }) => {
          seen = await see(request);
          return HttpResponse.json({ items: [run] });
        }),
      );

      await expect(
        client.listRuns({
          approvable: true,
          status: ['pending_approval', 'in_progress'],
        }),
      ).resolves.toEqual({ items: [run] });

      const params = new URLSearchParams(seen!.search);
      expect(params.get('approvable')).toBe('true');
      expect(params.get('status')).toBe('pending_approval,in_progress');
      expect(params.has('mine')).toBe(false);
    });
  });

  describe('triggerRun', () => {
    it('posts the entity and inputs as JSON to the encoded workflow path', async () => {
      let seen: Seen | undefined;
      server.use(
        http.post(
          `${baseUrl}/workflows/:identifier/runs`,
          async ({ request }) => {
            seen = await see(request);
            return HttpResponse.json(run, { status: 201 });
          },
        ),
      );

      await expect(
        client.triggerRun('restart/service', {
          entityRef: 'component:default/payments',
          inputs: { replicas: 3, dryRun: false, reason: 'leak' },
        }),
      ).resolves.toEqual(run);

      expect(seen).toEqual({
        method: 'POST',
        path: '/api/self-service/workflows/restart%2Fservice/runs',
        search: '',
        contentType: 'application/json',
        ifMatch: null,
        body: {
          entityRef: 'component:default/payments',
          inputs: { replicas: 3, dryRun: false, reason: 'leak' },
        },
      });
    });

    it('throws a ResponseError with the field-first message of a 400', async () => {
      server.use(
        http.post(`${baseUrl}/workflows/:identifier/runs`, () =>
          backstageError(
            'InputError',
            'inputs.replicas: must be a whole number',
            400,
          ),
        ),
      );

      const error = await client
        .triggerRun('restart-service', { inputs: { replicas: 1.5 } })
        .catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(400);
      expect(error.body.error.name).toBe('InputError');
      expect(error.body.error.message).toBe(
        'inputs.replicas: must be a whole number',
      );
      expect(error.cause.message).toBe(
        'inputs.replicas: must be a whole number',
      );
    });

    it('throws a ResponseError with the reason of a 403', async () => {
      server.use(
        http.post(`${baseUrl}/workflows/:identifier/runs`, () =>
          backstageError(
            'NotAllowedError',
            'Only owners of this entity can run this workflow',
            403,
          ),
        ),
      );

      const error = await client
        .triggerRun('restart-service', { inputs: {} })
        .catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(403);
      expect(error.body.error.message).toBe(
        'Only owners of this entity can run this workflow',
      );
    });
  });

  describe('getRun', () => {
    it('returns the run details, with the id encoded in the path', async () => {
      const details: RunDetails = {
        run,
        workflow: definition,
        events: [],
        approvers: [],
        permissions: {
          approve: { allowed: false },
          withdraw: false,
          redeliver: {
            allowed: false,
            reason:
              'Only failed or timed-out runs can be resent; this one is success',
          },
        },
      };
      let seen: Seen | undefined;
      server.use(
        http.get(`${baseUrl}/runs/:runId`, async ({ request }) => {
          seen = await see(request);
          return HttpResponse.json(details);
        }),
      );

      await expect(client.getRun('r 1')).resolves.toEqual(details);
      expect(seen?.method).toBe('GET');
      expect(seen?.path).toBe('/api/self-service/runs/r%201');
    });
  });

  describe('cancelRun, retryRun, rerunRun and decideRunStep', () => {
    function record(path: string, answer: object) {
      const seen: Seen[] = [];
      server.use(
        http.post(`${baseUrl}${path}`, async ({ request }) => {
          seen.push(await see(request));
          return HttpResponse.json(answer);
        }),
      );
      return seen;
    }

    it.each([
      ['cancelRun', 'cancel', 'canceled'],
      ['retryRun', 'retry', 'in_progress'],
      ['rerunRun', 'rerun', 'pending_approval'],
    ] as const)(
      '%s posts to /runs/{id}/%s without a body',
      async (method, path, status) => {
        const seen = record(`/runs/:runId/${path}`, { ...run, status });
        await expect(client[method]('r/1')).resolves.toEqual({
          ...run,
          status,
        });
        expect(seen).toEqual([
          expect.objectContaining({
            method: 'POST',
            path: `/api/self-service/runs/r%2F1/${path}`,
            contentType: null,
            body: undefined,
          }),
        ]);
      },
    );

    it('decides a gate with a comment and answers the step', async () => {
      const step = { stepId: 'gate', status: 'success', outputs: {} };
      const seen = record('/runs/:runId/steps/:stepId/approve', step);
      await expect(
        client.decideRunStep('r-1', 'prod gate', 'approve', 'Ship it'),
      ).resolves.toEqual(step);
      expect(seen).toEqual([
        expect.objectContaining({
          path: '/api/self-service/runs/r-1/steps/prod%20gate/approve',
          body: { comment: 'Ship it' },
        }),
      ]);
    });

    it('throws a ResponseError with the reason on 409', async () => {
      server.use(
        http.post(`${baseUrl}/runs/:runId/retry`, () =>
          backstageError(
            'ConflictError',
            "Step 'gate' was rejected, and decisions stand; start a new run to ask again",
            409,
          ),
        ),
      );
      const error = await client.retryRun('r-1').catch(e => e);
      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(409);
      expect(error.body.error.message).toMatch(/decisions stand/);
    });
  });

  describe('approveRun, rejectRun and withdrawRun', () => {
    function recordRunAction(action: string) {
      const seen: Seen[] = [];
      server.use(
        http.post(`${baseUrl}/runs/:runId/${action}`, async ({ request }) => {
          seen.push(await see(request));
          return HttpResponse.json({ ...run, status: 'in_progress' });
        }),
      );
      return seen;
    }

    it('approves with a comment', async () => {
      const seen = recordRunAction('approve');

      await expect(client.approveRun('r-1', 'Looks right')).resolves.toEqual({
        ...run,
        status: 'in_progress',
      });
      expect(seen).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: '/api/self-service/runs/r-1/approve',
          contentType: 'application/json',
          body: { comment: 'Looks right' },
        }),
      ]);
    });

    it('approves without a comment with an empty body', async () => {
      const seen = recordRunAction('approve');

      await client.approveRun('r-1');

      expect(seen[0].body).toEqual({});
    });

    it('rejects with a comment', async () => {
      const seen = recordRunAction('reject');

      await client.rejectRun('r/1', 'Not during the freeze');

      expect(seen).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: '/api/self-service/runs/r%2F1/reject',
          body: { comment: 'Not during the freeze' },
        }),
      ]);
    });

    it('withdraws without a body', async () => {
      const seen = recordRunAction('withdraw');

      await client.withdrawRun('r-1');

      expect(seen).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: '/api/self-service/runs/r-1/withdraw',
          contentType: null,
          body: undefined,
        }),
      ]);
    });

    it('throws a ResponseError on 409 once the run is decided', async () => {
      server.use(
        http.post(`${baseUrl}/runs/:runId/approve`, () =>
          backstageError('ConflictError', 'The run was already rejected', 409),
        ),
      );

      const error = await client.approveRun('r-1').catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(409);
      expect(error.body.error.message).toBe('The run was already rejected');
    });
  });

  describe('createWorkflow', () => {
    it('posts the definition and returns the stored workflow', async () => {
      let seen: Seen | undefined;
      server.use(
        http.post(`${baseUrl}/workflows`, async ({ request }) => {
          seen = await see(request);
          return HttpResponse.json(workflow, { status: 201 });
        }),
      );

      await expect(client.createWorkflow(definition)).resolves.toEqual(
        workflow,
      );
      expect(seen).toEqual({
        method: 'POST',
        path: '/api/self-service/workflows',
        search: '',
        contentType: 'application/json',
        ifMatch: null,
        body: definition,
      });
    });
  });

  describe('updateWorkflow', () => {
    function recordUpdates() {
      const seen: Seen[] = [];
      server.use(
        http.put(`${baseUrl}/workflows/:identifier`, async ({ request }) => {
          seen.push(await see(request));
          return HttpResponse.json({ ...workflow, revision: 4 });
        }),
      );
      return seen;
    }

    it('sends if-match with the quoted revision when one is given', async () => {
      const seen = recordUpdates();

      await expect(
        client.updateWorkflow('restart/service', definition, 3),
      ).resolves.toEqual({ ...workflow, revision: 4 });

      expect(seen).toEqual([
        {
          method: 'PUT',
          path: '/api/self-service/workflows/restart%2Fservice',
          search: '',
          contentType: 'application/json',
          ifMatch: '"3"',
          body: definition,
        },
      ]);
    });

    it('sends no if-match without a revision', async () => {
      const seen = recordUpdates();

      await client.updateWorkflow('restart-service', definition);

      expect(seen[0].ifMatch).toBeNull();
    });

    it('throws a ResponseError on 409 when someone else edited meanwhile', async () => {
      server.use(
        http.put(`${baseUrl}/workflows/:identifier`, () =>
          backstageError(
            'ConflictError',
            'The workflow is at revision 4, not 3',
            409,
          ),
        ),
      );

      const error = await client
        .updateWorkflow('restart-service', definition, 3)
        .catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(409);
      expect(error.body.error.message).toBe(
        'The workflow is at revision 4, not 3',
      );
    });
  });

  describe('deleteWorkflow', () => {
    it('deletes the encoded workflow path and handles 204', async () => {
      let seen: Seen | undefined;
      server.use(
        http.delete(`${baseUrl}/workflows/:identifier`, async ({ request }) => {
          seen = await see(request);
          return new HttpResponse(null, { status: 204 });
        }),
      );

      await expect(
        client.deleteWorkflow('restart/service'),
      ).resolves.toBeUndefined();
      expect(seen?.method).toBe('DELETE');
      expect(seen?.path).toBe('/api/self-service/workflows/restart%2Fservice');
    });

    it('throws a ResponseError on 404', async () => {
      server.use(
        http.delete(`${baseUrl}/workflows/:identifier`, () =>
          backstageError('NotFoundError', 'No workflow named missing', 404),
        ),
      );

      const error = await client.deleteWorkflow('missing').catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(404);
    });
  });

  describe('previewRequest', () => {
    it('posts the definition and sample inputs and returns the request', async () => {
      const preview: RequestPreview = {
        method: 'POST',
        url: 'https://ops.example.com/restart',
        headers: { authorization: '[REDACTED]' },
        body: '{"replicas":3}',
      };
      let seen: Seen | undefined;
      server.use(
        http.post(`${baseUrl}/preview`, async ({ request }) => {
          seen = await see(request);
          return HttpResponse.json({ request: preview });
        }),
      );

      await expect(
        client.previewRequest({
          definition,
          inputs: { replicas: 3 },
          entityRef: 'component:default/payments',
        }),
      ).resolves.toEqual(preview);
      expect(seen).toEqual(
        expect.objectContaining({
          method: 'POST',
          path: '/api/self-service/preview',
          body: {
            definition,
            inputs: { replicas: 3 },
            entityRef: 'component:default/payments',
          },
        }),
      );
    });
  });
});
