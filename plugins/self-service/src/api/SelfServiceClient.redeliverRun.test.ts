import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { registerMswTestHooks } from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { makeRun } from '../testUtils/fixtures';
import {
  SELF_SERVICE_URL,
  SeenRequest,
  backstageErrorResponse,
  mswSelfServiceClient,
  seeRequest,
} from '../testUtils/mswBackend';

/*
 * SelfServiceClient.redeliverRun against msw. Kept apart from
 * SelfServiceClient.test.ts, which is long enough already.
 */

describe('SelfServiceClient.redeliverRun', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const client = mswSelfServiceClient();

  /** Answers POST /runs/:runId/redeliver with `answer`, remembering the requests. */
  function onRedeliver(answer: () => Response): SeenRequest[] {
    const seen: SeenRequest[] = [];
    server.use(
      http.post(
        `${SELF_SERVICE_URL}/runs/:runId/redeliver`,
        async ({ request }) => {
          seen.push(await seeRequest(request));
          return answer();
        },
      ),
    );
    return seen;
  }

  it('posts without a body, the id encoded, and returns the run in progress again', async () => {
    const resent = makeRun({
      id: 'r/1',
      status: 'in_progress',
      finishedAt: undefined,
    });
    const seen = onRedeliver(() => HttpResponse.json(resent));

    await expect(client.redeliverRun('r/1')).resolves.toEqual(resent);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      path: '/api/self-service/runs/r%2F1/redeliver',
      contentType: null,
      body: undefined,
    });
  });

  it.each([
    [409, 'ConflictError', 'Run r-1 is still being delivered (attempt 2 of 3)'],
    [
      403,
      'NotAllowedError',
      'Only those who manage this workflow, or whom the permission policy allows to update runs, can resend its request',
    ],
  ])(
    'throws a ResponseError with the server message on %s',
    async (status, name, message) => {
      onRedeliver(() => backstageErrorResponse(status, name, message));

      const error = await client.redeliverRun('r-1').catch(e => e);

      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(status);
      expect(error.body.error.name).toBe(name);
      expect(error.cause.message).toBe(message);
    },
  );
});
