import type {
  WorkflowDefinition,
  WorkflowRequestStep,
} from '@backstage-self-service/plugin-self-service-common';
import { Webhook } from 'standardwebhooks';
import { renderDeliveryRequest } from './renderDeliveryRequest';

const definition: WorkflowDefinition = {
  identifier: 'provision',
  name: 'Provision environment',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [
    { identifier: 'env', name: 'Environment', type: 'string', required: true },
  ],
  request: {
    method: 'POST',
    url: 'https://infra.example.com/provision',
    headers: { 'Content-Type': 'application/json' },
    body: '{"env": "{{data.env}}", "callback": "{{run.callbackUrl}}", "token": "{{run.token}}"}',
  },
};

const deploy: WorkflowRequestStep = {
  id: 'deploy',
  name: 'Deploy',
  kind: 'request',
  dependsOn: ['cluster'],
  execution: { type: 'event-driven' },
  request: {
    method: 'POST',
    url: 'https://deploy.example.com/clusters/{{steps.cluster.outputs.id}}/services',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Bearer {{step.token}}',
    },
    body: '{"env": "{{data.env}}", "nodes": {{steps.cluster.outputs.nodes}}, "step": "{{step.id}}", "callback": "{{step.callbackUrl}}"}',
  },
};

const base = {
  definition,
  run: {
    id: 'run-1',
    inputs: { env: 'staging' },
    requestedBy: 'user:default/ada',
  },
  token: 'ssrt_attempt_token_0123456789',
  callbackBaseUrl: 'https://backstage.example.com/api/self-service',
  secrets: {},
  webhookId: 'msg_1',
};

describe('renderDeliveryRequest', () => {
  it("renders a one-request workflow's request with the run's callback", () => {
    const rendered = renderDeliveryRequest({ ...base, signingSecrets: [] });
    expect(rendered.url).toBe('https://infra.example.com/provision');
    expect(JSON.parse(rendered.body!)).toEqual({
      env: 'staging',
      callback: 'https://backstage.example.com/api/self-service/runs/run-1',
      token: base.token,
    });
    expect(rendered.headers['webhook-id']).toBe('msg_1');
  });

  it("renders a step's own request with its callback, its token and upstream outputs, keeping hostile outputs as values", () => {
    const key = `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}`;
    const rendered = renderDeliveryRequest({
      ...base,
      signingSecrets: [key],
      step: {
        step: deploy,
        outputs: { cluster: { id: 'c-1/admin?x=1', nodes: 3 } },
      },
    });
    const url = new URL(rendered.url);
    expect(url.host).toBe('deploy.example.com');
    expect(url.pathname).toBe('/clusters/c-1%2Fadmin%3Fx%3D1/services');
    expect(rendered.headers.Authorization).toBe(`Bearer ${base.token}`);
    expect(JSON.parse(rendered.body!)).toEqual({
      env: 'staging',
      nodes: 3,
      step: 'deploy',
      callback:
        'https://backstage.example.com/api/self-service/runs/run-1/steps/deploy',
    });
    expect(
      new Webhook(key).verify(rendered.body!, rendered.headers),
    ).toBeDefined();
  });
});
