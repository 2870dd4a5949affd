import type { RequestWorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';
import { PREVIEW_RUN_ID, previewRequest } from './previewRequest';

const definition: RequestWorkflowDefinition = {
  identifier: 'restart-service',
  name: 'Restart service',
  scope: { type: 'entity', kinds: ['Component'] },
  execution: { type: 'event-driven' },
  access: { type: 'everyone' },
  parameters: [
    {
      identifier: 'replicas',
      name: 'Replicas',
      type: 'integer',
      required: true,
    },
  ],
  request: {
    method: 'POST',
    url: 'https://ci.example.com/restart/{{entity.identifier}}',
    headers: { authorization: 'Bearer {{secrets.CI_TOKEN}}' },
    body: '{"replicas": {{data.replicas}}, "run": "{{run.id}}", "token": "{{run.token}}", "by": "{{user.ref}}"}',
  },
};

describe('previewRequest', () => {
  it('renders like a run, but never shows secrets or a real token', () => {
    const preview = previewRequest({
      definition,
      inputs: { replicas: 3 },
      entity: {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'payments-api', namespace: 'default' },
      },
      user: 'user:default/ada',
      callbackBaseUrl: 'http://localhost:7007/api/self-service',
      secretNames: ['CI_TOKEN'],
    });
    expect(preview).toEqual({
      method: 'POST',
      url: 'https://ci.example.com/restart/payments-api',
      headers: { authorization: 'Bearer [REDACTED]' },
      body: JSON.stringify({
        replicas: 3,
        run: PREVIEW_RUN_ID,
        token: '[REDACTED]',
        by: 'user:default/ada',
      }),
    });
  });

  it('renders an optional parameter given no value as empty', () => {
    const preview = previewRequest({
      definition: {
        ...definition,
        parameters: [
          ...definition.parameters,
          { identifier: 'note', name: 'Note', type: 'string', required: false },
        ],
        request: {
          method: 'POST' as const,
          url: 'https://ci.example.com/restart?note={{data.note}}',
          body: '{"replicas": {{data.replicas}}, "note": "{{data.note}}", "text": "({{data.note}})"}',
        },
      },
      inputs: { replicas: 3 },
      user: 'user:default/ada',
      callbackBaseUrl: 'http://localhost:7007/api/self-service',
      secretNames: [],
    });
    expect(preview.url).toBe('https://ci.example.com/restart?note=');
    expect(JSON.parse(preview.body!)).toEqual({
      replicas: 3,
      note: '',
      text: '()',
    });
  });
});
