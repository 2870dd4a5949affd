import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { registerMswTestHooks } from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { RunEntityActionRecord } from '@backstage-self-service/plugin-self-service-common';
import { makeRun } from '../testUtils/fixtures';
import {
  SELF_SERVICE_URL,
  SeenRequest,
  backstageErrorResponse,
  mswSelfServiceClient,
  seeRequest,
} from '../testUtils/mswBackend';

/*
 * The client calls of runs that expire and write to the catalog (issue
 * 11), against msw: extend, tear down, a run's entities, and the run list
 * options `expiring` and `touching`.
 */

describe('SelfServiceClient, runs that expire and write to the catalog', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const client = mswSelfServiceClient();

  /** Answers `method path` with `answer`, remembering the requests. */
  function on(
    method: 'get' | 'post',
    path: string,
    answer: () => Response,
  ): SeenRequest[] {
    const seen: SeenRequest[] = [];
    server.use(
      http[method](`${SELF_SERVICE_URL}${path}`, async ({ request }) => {
        seen.push(await seeRequest(request));
        return answer();
      }),
    );
    return seen;
  }

  describe('extendRun', () => {
    it('posts the duration as `by`, the id encoded, and returns the run', async () => {
      const extended = makeRun({
        id: 'r/1',
        expiresAt: '2026-01-03T12:01:00.000Z',
      });
      const seen = on('post', '/runs/:runId/extend', () =>
        HttpResponse.json(extended),
      );

      await expect(client.extendRun('r/1', 'P1D')).resolves.toEqual(extended);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        method: 'POST',
        path: '/api/self-service/runs/r%2F1/extend',
        contentType: 'application/json',
        body: { by: 'P1D' },
      });
    });

    it('throws the backend message of a 400 past the longest time to live', async () => {
      const message =
        'by: extending by P5D would keep the run past the most its workflow allows (P5D after it ended, until 2026-01-07T10:01:00.000Z)';
      on('post', '/runs/:runId/extend', () =>
        backstageErrorResponse(400, 'InputError', message),
      );

      const error = await client.extendRun('r-1', 'P5D').catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(400);
      expect(error.cause.message).toBe(message);
    });
  });

  describe('tearDownRun', () => {
    it('posts without a body and returns the teardown run (201)', async () => {
      const teardown = makeRun({
        id: 'r-2',
        status: 'in_progress',
        tearsDownRunId: 'r-1',
        finishedAt: undefined,
      });
      const seen = on('post', '/runs/:runId/teardown', () =>
        HttpResponse.json(teardown, { status: 201 }),
      );

      await expect(client.tearDownRun('r-1')).resolves.toEqual(teardown);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        method: 'POST',
        path: '/api/self-service/runs/r-1/teardown',
        contentType: null,
        body: undefined,
      });
    });

    it('throws a ResponseError when the run is torn down already (409)', async () => {
      on('post', '/runs/:runId/teardown', () =>
        backstageErrorResponse(
          409,
          'ConflictError',
          'Run r-1 is already torn down by run r-2',
        ),
      );

      const error = await client.tearDownRun('r-1').catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(409);
      expect(error.cause.message).toBe(
        'Run r-1 is already torn down by run r-2',
      );
    });
  });

  describe('listRunEntities', () => {
    it('gets the entity actions of a run and returns its items', async () => {
      const items: RunEntityActionRecord[] = [
        {
          runId: 'r 1',
          entityRef: 'resource:default/preview-42',
          action: 'created',
          at: '2026-01-02T10:00:30.000Z',
        },
        {
          runId: 'r 1',
          entityRef: 'resource:default/preview-42',
          action: 'updated',
          at: '2026-01-02T10:00:40.000Z',
        },
      ];
      const seen = on('get', '/runs/:runId/entities', () =>
        HttpResponse.json({ items }),
      );

      await expect(client.listRunEntities('r 1')).resolves.toEqual(items);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        method: 'GET',
        path: '/api/self-service/runs/r%201/entities',
      });
    });

    it('throws a ResponseError for a run the caller may not see', async () => {
      on('get', '/runs/:runId/entities', () =>
        backstageErrorResponse(404, 'NotFoundError', "No run with id 'r-9'"),
      );

      const error = await client.listRunEntities('r-9').catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(404);
    });
  });

  describe('listRuns', () => {
    it('asks for the caller’s expiring runs with expiring=true and mine=true', async () => {
      const page = { items: [makeRun({ expiresAt: '2026-01-02T12:00:00Z' })] };
      const seen = on('get', '/runs', () => HttpResponse.json(page));

      await expect(
        client.listRuns({ expiring: true, mine: true }),
      ).resolves.toEqual(page);
      expect([...seen[0].query]).toEqual([
        ['expiring', 'true'],
        ['mine', 'true'],
      ]);
    });

    it('asks for the runs touching an entity, the ref encoded', async () => {
      const seen = on('get', '/runs', () => HttpResponse.json({ items: [] }));

      await client.listRuns({ touching: 'resource:default/preview-42' });

      expect([...seen[0].query]).toEqual([
        ['touching', 'resource:default/preview-42'],
      ]);
      expect(seen[0].path).toBe('/api/self-service/runs');
    });

    it('leaves out expiring when false', async () => {
      const seen = on('get', '/runs', () => HttpResponse.json({ items: [] }));

      await client.listRuns({ expiring: false, touching: '' });

      expect([...seen[0].query]).toEqual([]);
    });
  });
});
