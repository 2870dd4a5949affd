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

describe('saving workflows whose requests would go to refused hosts', () => {
  // The URLs the issue found saved with 201, with the backend at
  // localhost:7007 as in the local demo.
  it.each([
    ['http://169.254.169.254/latest/meta-data/'],
    ['http://[::ffff:169.254.169.254]/'],
    ['http://10.0.0.1/admin'],
    ['http://metadata.google.internal/computeMetadata/v1/'],
    ['http://localhost:7007/api/catalog/entities'],
    ['http://0x7f000001:7007/'],
    ['http://127.1:7007/'],
  ])('refuses %s with 400, naming request.url and the key', async url => {
    const { api } = await startSelfServiceBackend({
      config: {
        backend: { baseUrl: 'http://localhost:7007', listen: { port: 7007 } },
      },
    });
    const created = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(workflow('internal', url));
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/^request\.url: /);
    expect(created.body.error.message).toContain(KEY);

    const preview = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('ada'))
      .send({ definition: workflow('internal', url), inputs: {} });
    expect(preview.status).toBe(400);
    expect(preview.body.error.message).toMatch(/^definition\.request\.url: /);
  });

  it('refuses the same host when editing a workflow', async () => {
    const { api } = await startSelfServiceBackend();
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(workflow('deploy', 'https://deploy.example.com/'))
      .expect(201);
    const updated = await api()
      .put('/api/self-service/workflows/deploy')
      .set('authorization', as('ada'))
      .send(workflow('deploy', 'http://192.168.1.1/'));
    expect(updated.status).toBe(400);
    expect(updated.body.error.message).toBe(
      `request.url: 192.168.1.1 is a private address (192.168.0.0/16); requests to it are refused unless ${KEY} allows it`,
    );
  });

  it('does not start with a configured workflow whose host is refused', async () => {
    await expect(
      startSelfServiceBackend({
        config: {
          selfService: {
            workflows: [workflow('metadata', 'http://169.254.169.254/')],
          },
        },
      }),
    ).rejects.toThrow(
      `selfService.workflows[0].request.url: 169.254.169.254 is a cloud metadata service, which workflows may never call (${KEY} cannot allow it)`,
    );
  });
});

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
