import type { WorkflowRequest } from '@backstage-self-service/plugin-self-service-common';
import { testContext } from './__testUtils__/testContext';
import { renderRequest } from './renderRequest';

/**
 * Outputs come from an external system's response, so they are as
 * untrusted as inputs: they fill values into a later step's request and
 * never change its structure.
 */
describe('rendering step outputs into a later step', () => {
  const hostile = {
    clusterId: '","admin":true,"x":"',
    path: 'eu/admin?delete=all#top',
    climb: '..',
    header: 'ok\r\nX-Injected: yes',
    form: 'a&role=admin',
    replicas: 3,
    public: false,
  };
  const context = {
    ...testContext(),
    step: {
      id: 'deploy',
      callbackUrl:
        'https://backstage.example.com/api/self-service/runs/run-123/steps/deploy',
      token: 'step-token-abcdefghijklmnop',
    },
    steps: { cluster: { outputs: hostile } },
  };

  it('keeps a JSON body as the template made it, with outputs as typed values', () => {
    const request: WorkflowRequest = {
      method: 'POST',
      url: 'https://deploy.example.com/services',
      headers: { 'Content-Type': 'application/json' },
      body: '{"cluster": "{{steps.cluster.outputs.clusterId}}", "replicas": {{steps.cluster.outputs.replicas}}, "public": {{steps.cluster.outputs.public}}, "step": "{{step.id}}", "callback": "{{step.callbackUrl}}"}',
    };
    const body = JSON.parse(renderRequest(request, context).body!);
    expect(body).toEqual({
      cluster: hostile.clusterId,
      replicas: 3,
      public: false,
      step: 'deploy',
      callback: context.step.callbackUrl,
    });
    expect(body).not.toHaveProperty('admin');
  });

  it('encodes outputs in a URL path and query, and in a form body', () => {
    const rendered = renderRequest(
      {
        method: 'POST',
        url: 'https://deploy.example.com/clusters/{{steps.cluster.outputs.path}}?id={{steps.cluster.outputs.form}}',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'cluster={{steps.cluster.outputs.form}}',
      },
      context,
    );
    const url = new URL(rendered.url);
    expect(url.host).toBe('deploy.example.com');
    expect(url.pathname.split('/')).toHaveLength(3);
    expect(url.hash).toBe('');
    expect([...url.searchParams.keys()]).toEqual(['id']);
    expect(url.searchParams.get('id')).toBe(hostile.form);
    expect([...new URLSearchParams(rendered.body).keys()]).toEqual(['cluster']);
  });

  it('refuses an output that would break a header, rather than sending a second one', () => {
    expect(() =>
      renderRequest(
        {
          method: 'GET',
          url: 'https://deploy.example.com/x',
          headers: { 'X-Cluster': '{{steps.cluster.outputs.header}}' },
        },
        context,
      ),
    ).toThrow(/request\.headers\.X-Cluster/);
  });

  it('finds no output of a step that has not succeeded, nor one by an inherited name', () => {
    for (const name of [
      'steps.network.outputs.id',
      'steps.cluster.outputs.constructor',
      'steps.__proto__.outputs.x',
      'steps.cluster.outputs',
    ]) {
      expect(() =>
        renderRequest(
          {
            method: 'POST',
            url: 'https://deploy.example.com/x',
            headers: { 'Content-Type': 'application/json' },
            body: `{"v": "{{${name}}}"}`,
          },
          context,
        ),
      ).toThrow(/request\.body/);
    }
  });
});
