import { testNetwork } from './__testUtils__/testNetwork';
import {
  as,
  eventually,
  startSelfServiceBackend,
} from './__testUtils__/startSelfServiceBackend';
import { startExternalSystem } from './__testUtils__/startExternalSystem';

jest.setTimeout(60_000);

const KEY = 'selfService.request.allowedHosts';

type Api = Awaited<ReturnType<typeof startSelfServiceBackend>>['api'];

function workflow(identifier: string, url: string) {
  return {
    identifier,
    name: identifier,
    scope: { type: 'global' },
    execution: { type: 'simple' },
    access: { type: 'everyone' },
    parameters: [],
    request: { method: 'POST', url },
  };
}

async function runToTheEnd(api: Api, identifier: string) {
  const started = await api()
    .post(`/api/self-service/workflows/${identifier}/runs`)
    .set('authorization', as('grace'))
    .send({});
  expect(started.status).toBe(201);
  return eventually(async () => {
    const res = await api()
      .get(`/api/self-service/runs/${started.body.id}`)
      .set('authorization', as('grace'));
    return ['success', 'failed'].includes(res.body.run?.status)
      ? res.body
      : undefined;
  }, 'the run to finish');
}

describe('where workflow requests may go, through the plugin', () => {
  let external: Awaited<ReturnType<typeof startExternalSystem>>;

  beforeEach(async () => {
    external = await startExternalSystem();
  });

  afterEach(async () => {
    await external.close();
  });

  it('fails a run whose host resolves to a refused address, naming the host and the key', async () => {
    testNetwork.mapHost('ci.example.com', ['10.0.0.1']);
    const { api } = await startSelfServiceBackend();
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(workflow('deploy', 'https://ci.example.com/deploy'))
      .expect(201);

    const details = await runToTheEnd(api, 'deploy');

    const message = `Refused to send the request: ci.example.com resolves to 10.0.0.1, a private address (10.0.0.0/8); requests to it are refused unless ${KEY} allows it`;
    expect(details.run.status).toBe('failed');
    expect(details.events[1]).toMatchObject({
      type: 'request_sent',
      data: { error: { kind: 'refused-address', message } },
    });
    expect(details.events[2].data).toMatchObject({ to: 'failed', message });
    // Only the test's own calls to the backend connected anywhere.
    expect(testNetwork.connections.map(c => c.address)).not.toContain(
      '10.0.0.1',
    );
  });

  it('sends the request once allowedHosts allows the name', async () => {
    const { port } = new URL(external.baseUrl);
    testNetwork.mapHost('ci.internal', ['127.0.0.1']);
    const { api } = await startSelfServiceBackend({
      config: {
        selfService: { request: { allowedHosts: [`ci.internal:${port}`] } },
      },
    });
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(workflow('deploy', `http://ci.internal:${port}/deploy`))
      .expect(201);

    const details = await runToTheEnd(api, 'deploy');

    expect(details.run.status).toBe('success');
    expect(external.received).toEqual([
      expect.objectContaining({ method: 'POST', url: '/deploy' }),
    ]);
  });
});
