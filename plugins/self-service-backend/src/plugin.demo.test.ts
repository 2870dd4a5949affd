import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import yaml from 'js-yaml';
import { mockCredentials } from '@backstage/backend-test-utils';
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

const describeIfRepo =
  fs.existsSync(appConfigFile) && fs.existsSync(exampleSystem)
    ? describe
    : describe.skip;

/**
 * The local demo's workflows, as app-config.yaml declares them, run through
 * the real backend against the example external system (on a free loopback
 * port instead of 7008).
 */
describeIfRepo('the demo workflows', () => {
  let system: ChildProcess | undefined;
  let port: number;

  beforeEach(async () => {
    port = await freePort();
    system = spawn(process.execPath, [exampleSystem], {
      env: { ...process.env, PORT: String(port), EXAMPLE_CI_STEP_MS: '40' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>(resolve =>
      system!.stdout!.on('data', chunk => {
        if (String(chunk).includes('listening')) resolve();
      }),
    );
  });

  afterEach(() => {
    system?.kill();
  });

  const appConfig = () =>
    yaml.load(fs.readFileSync(appConfigFile, 'utf8')) as any;

  /** app-config.yaml's workflows of these identifiers, in its order, sent to the example system's port. */
  const demoWorkflows = (...identifiers: string[]) =>
    JSON.parse(
      JSON.stringify(
        appConfig().selfService.workflows.filter((w: { identifier: string }) =>
          identifiers.includes(w.identifier),
        ),
      )
        .split('localhost:7008')
        .join(`127.0.0.1:${port}`),
    );

  it('publishes every workflow of app-config.yaml at start', async () => {
    const identifiers: string[] = appConfig().selfService.workflows.map(
      (w: { identifier: string }) => w.identifier,
    );
    const { api } = await startSelfServiceBackend({
      config: {
        selfService: {
          secrets: appConfig().selfService.secrets,
          workflows: demoWorkflows(...identifiers),
        },
      },
    });
    const listed = await api()
      .get('/api/self-service/workflows')
      .query({ limit: 100 })
      .set('authorization', as('ada'));
    expect(listed.status).toBe(200);
    expect(
      listed.body.items.map((w: { identifier: string }) => w.identifier).sort(),
    ).toEqual([...identifiers].sort());
  });

  it('"Provision environment": fails once, is retried, waits at its gate, succeeds', async () => {
    const [definition] = demoWorkflows('provision-environment');
    const { api } = await startSelfServiceBackend({
      config: {
        selfService: {
          secrets: appConfig().selfService.secrets,
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

  it('"Provision preview environment": registers the environment in the catalog, expires, and its teardown removes it', async () => {
    const workflows = demoWorkflows(
      'provision-preview-environment',
      'teardown-preview-environment',
    );
    // Published from config as the demo is: the teardown workflow comes
    // after the workflow that names it.
    expect(workflows.map((w: { identifier: string }) => w.identifier)).toEqual([
      'provision-preview-environment',
      'teardown-preview-environment',
    ]);
    const { api } = await startSelfServiceBackend({
      config: {
        selfService: {
          secrets: appConfig().selfService.secrets,
          workflows,
        },
      },
    });
    const feed = (after?: string) =>
      api()
        .get('/api/self-service/catalog/entities')
        .query(after ? { after } : {})
        .set('authorization', mockCredentials.service.header());
    const details = async (id: string) =>
      (
        await api()
          .get(`/api/self-service/runs/${id}`)
          .set('authorization', as('grace'))
      ).body;
    const succeeded = (id: string, what: string) =>
      eventually(async () => {
        const body = await details(id);
        expect(body.run.status).not.toMatch(/failed|timed_out|cancelled/);
        return body.run.status === 'success' ? body : undefined;
      }, what);
    const trigger = async (inputs: Record<string, unknown>) => {
      const triggered = await api()
        .post('/api/self-service/workflows/provision-preview-environment/runs')
        .set('authorization', as('grace'))
        .send({ inputs });
      expect(triggered.status).toBe(201);
      return triggered.body.id as string;
    };

    const runId = await trigger({ branch: 'feature/checkout' });
    const longerId = await trigger({ branch: 'feature/search', ttl: 'P1D' });
    const done = await succeeded(runId, 'the preview environment');
    const longer = await succeeded(longerId, 'the second environment');

    // Two hours after its end by default, or the lifetime asked for.
    expect(
      Date.parse(done.run.expiresAt) - Date.parse(done.run.finishedAt),
    ).toBe(2 * 3600_000);
    expect(
      Date.parse(longer.run.expiresAt) - Date.parse(longer.run.finishedAt),
    ).toBe(86400_000);

    const name = `preview-${runId}`;
    const entityRef = `resource:default/${name}`;
    const environmentUrl = `http://localhost:${port}/environments/${name}`;
    expect(name.length).toBeLessThanOrEqual(63);
    expect(
      done.events
        .filter((e: { type: string }) => e.type === 'link')
        .map((e: { data: { url: string } }) => e.data.url),
    ).toContain(environmentUrl);

    const written = await api()
      .get(`/api/self-service/runs/${runId}/entities`)
      .set('authorization', as('grace'));
    expect(written.status).toBe(200);
    expect(
      written.body.items.map((i: { entityRef: string; action: string }) => [
        i.entityRef,
        i.action,
      ]),
    ).toEqual([[entityRef, 'created']]);

    const before = await feed();
    expect(before.status).toBe(200);
    const entity = before.body.entities.find(
      (e: { metadata: { name: string } }) => e.metadata.name === name,
    );
    expect(entity).toMatchObject({
      kind: 'Resource',
      metadata: {
        name,
        title: 'Preview of feature/checkout',
        links: [expect.objectContaining({ url: environmentUrl })],
        annotations: expect.objectContaining({
          'self-service.backstage.io/run-id': runId,
          'self-service.backstage.io/workflow': 'provision-preview-environment',
        }),
      },
      spec: {
        type: 'preview-environment',
        owner: 'group:default/payments-team',
      },
    });
    expect(before.body.entities).toHaveLength(2);
    const page = await fetch(environmentUrl);
    expect(await page.text()).toMatch(
      /feature\/checkout, in eu-west-1: running/,
    );

    const teardown = await api()
      .post(`/api/self-service/runs/${runId}/teardown`)
      .set('authorization', as('grace'));
    expect(teardown.status).toBe(201);
    expect(teardown.body.workflowIdentifier).toBe(
      'teardown-preview-environment',
    );
    expect(teardown.body.tearsDownRunId).toBe(runId);
    const tornDown = await succeeded(teardown.body.id, 'the teardown');
    expect(
      tornDown.events
        .filter((e: { type: string }) => e.type === 'message')
        .map((e: { data: { markdown: string } }) => e.data.markdown),
    ).toEqual([
      '**Step 1/2:** Deleting the deployments',
      '**Step 2/2:** Deleting the namespace',
    ]);
    expect(await (await fetch(environmentUrl)).text()).toMatch(/: torn down/);

    // The backend removed the entity the original run created, itself.
    const after = await feed(before.body.cursor);
    expect(after.body.full).toBe(false);
    expect(after.body.removed).toEqual([entityRef]);
    const removed = await api()
      .get(`/api/self-service/runs/${teardown.body.id}/entities`)
      .set('authorization', as('grace'));
    expect(
      removed.body.items.map((i: { entityRef: string; action: string }) => [
        i.entityRef,
        i.action,
      ]),
    ).toEqual([[entityRef, 'removed']]);
    const standing = await feed();
    expect(
      standing.body.entities.map(
        (e: { metadata: { name: string } }) => e.metadata.name,
      ),
    ).toEqual([`preview-${longerId}`]);
  });
});
