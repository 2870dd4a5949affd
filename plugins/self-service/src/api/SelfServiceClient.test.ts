import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import {
  MockFetchApi,
  mockApis,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { Run, WorkflowSummary } from '@internal/plugin-self-service-common';
import { SelfServiceClient } from './SelfServiceClient';

const baseUrl = 'http://backstage.test/api/self-service';

const workflow: WorkflowSummary = {
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
  runnable: { allowed: true },
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
    it('returns the items of the response', async () => {
      server.use(
        http.get(`${baseUrl}/workflows`, () =>
          HttpResponse.json({ items: [workflow] }),
        ),
      );

      await expect(client.listWorkflows()).resolves.toEqual([workflow]);
    });

    it('sends no query without options', async () => {
      let search: string | undefined;
      server.use(
        http.get(`${baseUrl}/workflows`, ({ request }) => {
          search = new URL(request.url).search;
          return HttpResponse.json({ items: [] });
        }),
      );

      await client.listWorkflows();

      expect(search).toBe('');
    });

    it('sends the entity ref, encoded', async () => {
      let rawUrl: string | undefined;
      let entityRef: string | null = null;
      server.use(
        http.get(`${baseUrl}/workflows`, ({ request }) => {
          rawUrl = request.url;
          entityRef = new URL(request.url).searchParams.get('entityRef');
          return HttpResponse.json({ items: [workflow] });
        }),
      );

      await client.listWorkflows({
        entityRef: 'component:default/payments & co',
      });

      expect(entityRef).toBe('component:default/payments & co');
      expect(rawUrl).toBe(
        `${baseUrl}/workflows?entityRef=component%3Adefault%2Fpayments+%26+co`,
      );
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
});
