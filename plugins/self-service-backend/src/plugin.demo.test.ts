import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  as,
  eventually,
  startSelfServiceBackend,
} from './__testUtils__/startSelfServiceBackend';

jest.setTimeout(60_000);

const repoRoot = path.resolve(__dirname, '../../..');
const appConfigFile = path.join(repoRoot, 'app-config.yaml');
const exampleSystem = path.join(repoRoot, 'examples/external-system/server.js');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/**
 * The local demo's "Provision environment", as app-config.yaml declares it,
 * run through the real backend against the example external system (on a
 * free loopback port instead of 7008): the cluster fails once as asked, a
 * retry from it succeeds, and the production gate waits for the Platform
 * Team.
 */
const describeIfRepo =
  fs.existsSync(appConfigFile) && fs.existsSync(exampleSystem)
    ? describe
    : describe.skip;

describeIfRepo('the demo workflow "Provision environment"', () => {
  let system: ChildProcess | undefined;

  afterEach(() => {
    system?.kill();
  });

  it('runs against the example external system: fails once, is retried, waits at its gate, succeeds', async () => {
    const port = await freePort();
    system = spawn(process.execPath, [exampleSystem], {
      env: { ...process.env, PORT: String(port), EXAMPLE_CI_STEP_MS: '40' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>(resolve =>
      system!.stdout!.on('data', chunk => {
        if (String(chunk).includes('listening')) resolve();
      }),
    );

    const appConfig = yaml.load(fs.readFileSync(appConfigFile, 'utf8')) as any;
    const demo = appConfig.selfService.workflows.find(
      (w: { identifier: string }) => w.identifier === 'provision-environment',
    );
    const definition = JSON.parse(
      JSON.stringify(demo).split('localhost:7008').join(`127.0.0.1:${port}`),
    );
    const { api } = await startSelfServiceBackend({
      config: {
        selfService: {
          secrets: appConfig.selfService.secrets,
        },
      },
    });
    const published = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(definition);
    expect(published.status).toBe(201);

    const triggered = await api()
      .post('/api/self-service/workflows/provision-environment/runs')
      .set('authorization', as('grace'))
      .send({ inputs: { environment: 'qa', failCluster: true } });
    expect(triggered.status).toBe(201);
    const runId = triggered.body.id;
    const details = async () =>
      (
        await api()
          .get(`/api/self-service/runs/${runId}`)
          .set('authorization', as('grace'))
      ).body;
    const statuses = async () =>
      Object.fromEntries(
        ((await details()).steps ?? []).map(
          (s: { stepId: string; status: string }) => [s.stepId, s.status],
        ),
      );

    const failed = await eventually(async () => {
      const body = await details();
      return body.run.status === 'failed' ? body : undefined;
    }, 'the run to fail at its cluster');
    expect(await statuses()).toEqual({
      network: 'success',
      database: 'success',
      cluster: 'failed',
      api: 'skipped',
      worker: 'skipped',
      'production-gate': 'skipped',
      storefront: 'skipped',
    });
    expect(failed.permissions.retry).toEqual({ allowed: true });

    const retried = await api()
      .post(`/api/self-service/runs/${runId}/retry`)
      .set('authorization', as('grace'));
    expect(retried.status).toBe(200);
    await eventually(async () => {
      const now = await statuses();
      return now['production-gate'] === 'waiting_approval' ? now : undefined;
    }, 'the production gate');
    expect(await statuses()).toMatchObject({
      network: 'success',
      database: 'success',
      cluster: 'success',
      api: 'success',
      worker: 'success',
      storefront: 'pending',
    });

    const approved = await api()
      .post(`/api/self-service/runs/${runId}/steps/production-gate/approve`)
      .set('authorization', as('alan'));
    expect(approved.status).toBe(200);
    const done = await eventually(async () => {
      const body = await details();
      return body.run.status === 'success' ? body : undefined;
    }, 'the run to succeed');
    const outputs = Object.fromEntries(
      done.steps.map((s: { stepId: string; outputs: object }) => [
        s.stepId,
        s.outputs,
      ]),
    );
    expect(outputs.network.vpcId).toMatch(/^vpc-\d+$/);
    expect(outputs.database.host).toMatch(/^db-\d+\.example\.internal$/);
    expect(outputs.cluster.name).toMatch(/^cluster-\d+$/);
  });
});
