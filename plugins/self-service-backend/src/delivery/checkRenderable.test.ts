import type { WorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';
import { checkRenderable } from './checkRenderable';

const definition: WorkflowDefinition = {
  identifier: 'deploy',
  name: 'Deploy',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [
    { identifier: 'service', name: 'Service', type: 'string', required: true },
    { identifier: 'note', name: 'Note', type: 'string', required: false },
  ],
  request: {
    method: 'POST',
    url: 'https://deploy.example.com/services/{{data.service}}',
    headers: { 'x-note': '{{data.note}}' },
  },
};

const check = (inputs: Record<string, string>, def = definition) =>
  checkRenderable({
    definition: def,
    inputs,
    requestedBy: 'user:default/grace',
    secrets: {},
    callbackBaseUrl: 'http://localhost:7007/api/self-service',
  });

describe('checkRenderable', () => {
  it('lets values through that the request can carry', () => {
    expect(() =>
      check({ service: 'payments api/v2', note: 'ok' }),
    ).not.toThrow();
  });

  it.each(['..', '.', '%2e%2e'])(
    'names the input whose value %p would climb the path',
    service => {
      expect(() => check({ service, note: 'ok' })).toThrow(
        /^inputs\.service: this value cannot be sent in the workflow's request \(request\.url: /,
      );
    },
  );

  it('names the input that would break a header', () => {
    expect(() => check({ service: 'web', note: 'a\r\nx-admin: 1' })).toThrow(
      /^inputs\.note: .*request\.headers\.x-note/,
    );
  });
});
