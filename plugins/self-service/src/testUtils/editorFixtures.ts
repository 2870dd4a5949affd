import { Entity } from '@backstage/catalog-model';
import {
  RequestWorkflowDefinition,
  StepsWorkflowDefinition,
  Workflow,
  WorkflowRecord,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * A workflow definition that uses every field of the editor, in the
 * normalised shape the backend returns, with fields overridable per test.
 */
export function editorDefinition(
  overrides: Partial<RequestWorkflowDefinition> = {},
): RequestWorkflowDefinition {
  return {
    identifier: 'restart-service',
    name: 'Restart service',
    description: 'Rolling restart of every pod',
    icon: 'refresh',
    color: '#1976d2',
    scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
    execution: { type: 'event-driven', timeoutSeconds: 3600 },
    access: {
      type: 'approval',
      approvers: ['group:default/sre'],
      allowSelfApproval: false,
    },
    parameters: [
      {
        identifier: 'reason',
        name: 'Reason',
        description: 'Why the restart is needed',
        type: 'string',
        required: true,
      },
      {
        identifier: 'replicas',
        name: 'Replicas',
        type: 'integer',
        required: false,
        default: 2,
      },
      {
        identifier: 'ratio',
        name: 'Surge ratio',
        type: 'float',
        required: false,
        default: 0.5,
      },
      {
        identifier: 'drain',
        name: 'Drain connections',
        type: 'boolean',
        required: false,
        default: true,
      },
      {
        identifier: 'env',
        name: 'Environment',
        type: 'select',
        required: true,
        options: ['staging', 'production'],
        default: 'staging',
      },
    ],
    request: {
      method: 'POST',
      url: 'https://ci.example.com/api/pipelines/{{entity.identifier}}/restart',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer {{secrets.CI_TOKEN}}',
      },
      body: '{"run": "{{run.id}}", "replicas": {{data.replicas}}, "env": "{{data.env}}"}',
    },
    delivery: { maxAttempts: 3, signingKey: 'ci' },
    ...overrides,
  };
}

/** A stored workflow around {@link editorDefinition}. */
export function editorWorkflow(
  overrides: Partial<RequestWorkflowDefinition & WorkflowRecord> = {},
): Workflow {
  return {
    ...editorDefinition(),
    id: 'w-restart',
    revision: 3,
    createdAt: '2026-01-01T10:00:00.000Z',
    createdBy: 'user:default/platform',
    updatedAt: '2026-01-02T10:00:00.000Z',
    updatedBy: 'user:default/platform',
    ...overrides,
  };
}

/** Users and groups of the catalog, for the approver and member pickers. */
export function principalEntities(): Entity[] {
  const user = (name: string, displayName: string): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { profile: { displayName } },
  });
  const group = (name: string, title: string): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default', title },
    spec: { type: 'team', children: [] },
  });
  return [
    user('ada', 'Ada Lovelace'),
    user('grace', 'Grace Hopper'),
    group('sre', 'Site Reliability'),
    group('dba', 'Database Admins'),
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'payments', namespace: 'default' },
      spec: { type: 'service', owner: 'group:default/sre' },
    },
  ];
}

/** A workflow of steps as the backend returns it: a gate before a deploy. */
export function stepsDefinition(): StepsWorkflowDefinition {
  const { execution, request, delivery, ...details } = editorDefinition({
    access: { type: 'everyone' },
  });
  return {
    ...details,
    steps: [
      {
        id: 'build',
        name: 'Build',
        kind: 'request',
        dependsOn: [],
        execution: { type: 'simple' },
        request: { method: 'POST', url: 'https://ci.example.com/build' },
        outputs: { image: '/image' },
      },
      {
        id: 'gate',
        name: 'Production gate',
        kind: 'approval',
        dependsOn: ['build'],
        approvers: ['group:default/sre'],
        mode: 'any',
      },
      {
        id: 'deploy',
        name: 'Deploy',
        kind: 'request',
        dependsOn: ['gate'],
        execution: { type: 'event-driven' },
        request: {
          method: 'POST',
          url: 'https://cd.example.com/deploy',
          body: '{"image": "{{steps.build.outputs.image}}"}',
        },
      },
    ],
  };
}
