#!/usr/bin/env node
/*
 * An example external system for local development: it receives the
 * requests of the example workflows the way a CI system would, and reports
 * the progress of event-driven runs back to Backstage Self-Service through
 * the callback API, with each run's own token.
 *
 *   node examples/external-system/server.js      (port 7008, or $PORT)
 *
 * Dispatches must carry `Authorization: Bearer $EXAMPLE_CI_TOKEN`, which the
 * example workflows send from `{{secrets.EXAMPLE_CI_TOKEN}}`.
 *
 * A preview environment is registered in the catalog as a `Resource` with
 * the run's token (`POST {callback}/entities`) before the run succeeds; its
 * teardown pipeline deletes it here, and the backend removes the entity
 * once the teardown run succeeds.
 */
'use strict';

const http = require('node:http');

const PORT = Number(process.env.PORT ?? 7008);
const TOKEN = process.env.EXAMPLE_CI_TOKEN ?? 'example-ci-token-for-local-use';
const STEP_MS = Number(process.env.EXAMPLE_CI_STEP_MS ?? 1500);

/** Runs whose cluster already failed once, as "Simulate a failure" asks. */
const failedOnce = new Set();

/** Pipelines by id, for the pipeline pages the runs link to. */
const pipelines = new Map();
let nextId = 1;

/** Preview environments by name, for their pages. */
const environments = new Map();

/** What the catalog accepts as an entity name. */
const ENTITY_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function log(message) {
  process.stdout.write(`[example-ci] ${message}\n`);
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
}

function escapeHtml(text) {
  return String(text).replace(
    /[<>&"]/g,
    c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' }[c]),
  );
}

async function callback(pipeline, path, body) {
  const response = await fetch(`${pipeline.callbackUrl}/${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${pipeline.runToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${await response.text()}`);
  }
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

const environmentUrl = name => `http://localhost:${PORT}/environments/${name}`;

/**
 * What some pipelines do after their steps and before they report success:
 * a preview environment registers itself in the catalog, with a link to
 * it; a teardown deletes it. Each returns a message for the run, or throws
 * to fail it.
 */
const FINISH = {
  'preview-environment': async pipeline => {
    const { name, branch, region } = pipeline.environment;
    const url = environmentUrl(name);
    environments.set(name, { ...pipeline.environment, status: 'running' });
    await callback(pipeline, 'links', { label: 'Preview environment', url });
    await callback(pipeline, 'entities', {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name,
        title: `Preview of ${branch}`,
        description: `The preview environment of branch ${branch}, in ${region}.`,
        links: [{ url, title: 'Preview environment', icon: 'cloud' }],
      },
      spec: { type: 'preview-environment' },
    });
    return `Preview environment ${name} is up at ${url}`;
  },
  'teardown-preview-environment': async pipeline => {
    const { name } = pipeline.environment;
    const environment = environments.get(name);
    if (!environment || environment.status !== 'running') {
      await callback(pipeline, 'messages', {
        markdown: `Preview environment \`${name}\` was not running here; nothing left to delete.`,
      });
    } else {
      environment.status = 'torn down';
    }
    return `Preview environment ${name} is torn down`;
  },
};

/** Plays a pipeline's steps, reporting each back to the run. */
async function play(pipeline) {
  const { steps, fail } = pipeline;
  try {
    await sleep(STEP_MS / 2);
    await callback(pipeline, 'links', {
      label: `Pipeline #${pipeline.id}`,
      url: `http://localhost:${PORT}/pipelines/${pipeline.id}`,
    });
    for (const [index, step] of steps.entries()) {
      await sleep(STEP_MS);
      pipeline.log.push(step);
      await callback(pipeline, 'messages', {
        markdown: `**Step ${index + 1}/${steps.length}:** ${step}`,
      });
    }
    await sleep(STEP_MS);
    let finished = `Pipeline #${pipeline.id} finished`;
    let failure = fail
      ? 'The pipeline failed on purpose (simulateFailure was set)'
      : undefined;
    if (!failure && FINISH[pipeline.kind]) {
      try {
        finished = await FINISH[pipeline.kind](pipeline);
      } catch (error) {
        failure = `Pipeline #${pipeline.id} failed: ${error.message}`;
      }
    }
    pipeline.status = failure ? 'failed' : 'success';
    await callback(pipeline, 'status', {
      status: pipeline.status,
      message: failure ?? finished,
      // A step of a workflow of steps reports the outputs it declares.
      ...(pipeline.outputs && !failure && { outputs: pipeline.outputs }),
    });
    log(`pipeline ${pipeline.id} ${pipeline.status}`);
  } catch (error) {
    pipeline.status = 'error';
    log(`pipeline ${pipeline.id} could not report back: ${error.message}`);
  }
}

const STEPS = {
  restart: [
    'Draining traffic',
    'Restarting pods one by one',
    'Health checks passed',
  ],
  'rotate-credentials': [
    'Creating new credentials',
    'Updating the secret store',
    'Revoking the old credentials',
  ],
  database: ['Creating the database', 'Applying migrations'],
  'preview-environment': [
    'Creating the namespace',
    'Deploying the branch',
    'Seeding data',
    'Environment is reachable',
  ],
  'teardown-preview-environment': [
    'Deleting the deployments',
    'Deleting the namespace',
  ],
};

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://localhost:${PORT}`);

  const page = /^\/pipelines\/(\d+)$/.exec(url.pathname);
  if (req.method === 'GET' && page) {
    const pipeline = pipelines.get(Number(page[1]));
    if (!pipeline) {
      send(res, 404, 'No such pipeline', 'text/plain');
      return;
    }
    const steps = pipeline.log.map(s => `<li>${s.replace(/</g, '&lt;')}</li>`);
    send(
      res,
      200,
      `<!doctype html><title>Pipeline #${pipeline.id}</title><h1>Pipeline #${
        pipeline.id
      }: ${pipeline.kind}</h1><p>Status: ${pipeline.status}</p><ol>${steps.join(
        '',
      )}</ol>`,
      'text/html',
    );
    return;
  }

  const environmentPage = /^\/environments\/([a-z0-9-]+)$/.exec(url.pathname);
  if (req.method === 'GET' && environmentPage) {
    const environment = environments.get(environmentPage[1]);
    if (!environment) {
      send(res, 404, 'No such preview environment', 'text/plain');
      return;
    }
    const name = escapeHtml(environment.name);
    send(
      res,
      200,
      `<!doctype html><title>${name}</title><h1>${name}</h1><p>Branch ${escapeHtml(
        environment.branch,
      )}, in ${escapeHtml(environment.region)}: ${environment.status}</p>`,
      'text/html',
    );
    return;
  }

  if (req.method !== 'POST') {
    send(res, 405, { error: 'method not allowed' });
    return;
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    send(res, 401, { error: 'missing or wrong token' });
    return;
  }
  let body;
  try {
    body = JSON.parse((await readBody(req)) || '{}');
  } catch {
    send(res, 400, { error: 'body must be JSON' });
    return;
  }

  const pipelineKind = /^\/pipelines\/([a-z-]+)$/.exec(url.pathname)?.[1];
  if (pipelineKind && STEPS[pipelineKind]) {
    if (!body.run || !body.token || !body.callback) {
      send(res, 400, { error: 'run, token and callback are required' });
      return;
    }
    // Preview environments and their teardowns: the environment's name
    // is its catalog entity's, which the workflows derive from the run id.
    const withEnvironment = Object.hasOwn(FINISH, pipelineKind);
    const environmentName = String(
      body.environment ?? `preview-${String(body.run).slice(0, 8)}`,
    );
    if (
      withEnvironment &&
      (!ENTITY_NAME.test(environmentName) || environmentName.length > 63)
    ) {
      send(res, 400, {
        error:
          'environment must be lowercase letters, digits and dashes, 63 at most',
      });
      return;
    }
    const pipeline = {
      id: nextId++,
      kind: pipelineKind,
      runId: body.run,
      runToken: body.token,
      callbackUrl: body.callback,
      steps: STEPS[pipelineKind],
      fail: body.simulateFailure === true,
      status: 'running',
      log: [],
      ...(pipelineKind === 'database' && {
        outputs: { host: `db-${nextId - 1}.example.internal` },
      }),
      ...(withEnvironment && {
        environment: {
          name: environmentName,
          branch: String(body.branch ?? ''),
          region: String(body.region ?? 'eu-west-1'),
          runId: body.run,
        },
      }),
    };
    pipelines.set(pipeline.id, pipeline);
    log(
      `pipeline ${pipeline.id} (${pipelineKind}) started for run ${body.run}`,
    );
    send(res, 202, { pipeline: pipeline.id, status: 'queued' });
    void play(pipeline);
    return;
  }

  // The infrastructure of "Provision environment": answered at once, with
  // the ids later steps use as outputs.
  const infra =
    /^\/infra\/(network|cluster|services\/[a-z]+|database\/cancel)$/.exec(
      url.pathname,
    )?.[1];
  if (infra) {
    log(`${req.method} ${url.pathname} ${JSON.stringify(body)}`);
    // Fails the first attempt of a run's cluster only, so a retry from
    // the failed step succeeds.
    if (body.simulateFailure === true && !failedOnce.has(body.run)) {
      failedOnce.add(body.run);
      send(res, 422, { error: 'the cluster could not be created, as asked' });
      return;
    }
    const id = nextId++;
    if (infra === 'network') {
      send(res, 200, { vpcId: `vpc-${id}` });
    } else if (infra === 'cluster') {
      send(res, 200, { clusterName: `cluster-${id}` });
    } else {
      send(res, 200, { ok: true, id });
    }
    return;
  }

  // Simple workflows: answered at once.
  log(`${req.method} ${url.pathname} ${JSON.stringify(body)}`);
  if (body.simulateFailure === true) {
    send(res, 503, { error: 'the example system refused, as asked' });
    return;
  }
  send(res, 200, { ok: true, received: body });
});

server.listen(PORT, '127.0.0.1', () =>
  log(`listening on http://localhost:${PORT}`),
);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
