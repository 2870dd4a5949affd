import { ResponseError } from '@backstage/errors';
import {
  RequestWorkflowDefinition,
  Run,
  Workflow,
  WorkflowListItem,
  WorkflowPage,
  WorkflowRecord,
} from '@backstage-self-service/plugin-self-service-common';
import { SelfServiceApi } from '../api';

/**
 * A workflow as a page of the list has it, with fields overridable per test.
 * Its capabilities follow `runnable` unless given: anyone may run it, no one
 * may edit or delete it.
 */
export function makeWorkflow(
  overrides: Partial<WorkflowListItem> = {},
): WorkflowListItem {
  const run = overrides.runnable ??
    overrides.capabilities?.run ?? { allowed: true };
  return {
    id: 'w-restart',
    identifier: 'restart-service',
    revision: 1,
    name: 'Restart service',
    description: 'Restarts every pod of the service.',
    scope: { type: 'entity', kinds: ['Component'] },
    execution: { type: 'simple' },
    access: { type: 'everyone' },
    parameters: [],
    updatedAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
    runnable: run,
    capabilities: {
      run,
      edit: false,
      delete: false,
      ...overrides.capabilities,
    },
  };
}

/** A page of the workflow list: all of `items` unless told otherwise. */
export function makeWorkflowPage(
  items: WorkflowListItem[],
  options: { nextCursor?: string; totalCount?: number } = {},
): WorkflowPage {
  return {
    items,
    ...(options.nextCursor ? { nextCursor: options.nextCursor } : {}),
    totalCount: options.totalCount ?? items.length,
  };
}

/** A whole stored workflow, as `getWorkflow` answers it. */
export function makeFullWorkflow(
  overrides: Partial<RequestWorkflowDefinition & WorkflowRecord> = {},
): Workflow {
  return {
    id: 'w-restart',
    identifier: 'restart-service',
    name: 'Restart service',
    description: 'Restarts every pod of the service.',
    scope: { type: 'entity', kinds: ['Component'] },
    execution: { type: 'simple' },
    access: { type: 'everyone' },
    parameters: [],
    request: { method: 'POST', url: 'https://ops.example.com/restart' },
    revision: 1,
    createdAt: '2026-01-01T10:00:00.000Z',
    createdBy: 'user:default/platform',
    updatedAt: '2026-01-01T10:00:00.000Z',
    updatedBy: 'user:default/platform',
    ...overrides,
  };
}

/** A run as the backend lists it, with fields overridable per test. */
export function makeRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 'r-1',
    workflowId: 'w-restart',
    workflowIdentifier: 'restart-service',
    workflowName: 'Restart service',
    workflowRevision: 1,
    entityRef: 'component:default/payments',
    requestedBy: 'user:default/jane',
    status: 'success',
    inputs: {},
    createdAt: '2026-01-02T10:00:00.000Z',
    updatedAt: '2026-01-02T10:01:00.000Z',
    finishedAt: '2026-01-02T10:01:00.000Z',
    ...overrides,
  };
}

/** A SelfServiceApi whose methods are jest mocks with empty answers. */
export function mockSelfServiceApi(): jest.Mocked<SelfServiceApi> {
  return {
    listWorkflows: jest.fn().mockResolvedValue({ items: [], totalCount: 0 }),
    getWorkflow: jest.fn().mockRejectedValue(new Error('not mocked')),
    listRuns: jest.fn().mockResolvedValue({ items: [] }),
    getRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    listRunEntities: jest.fn().mockResolvedValue([]),
    extendRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    tearDownRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    triggerRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    approveRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    rejectRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    withdrawRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    redeliverRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    cancelRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    retryRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    rerunRun: jest.fn().mockRejectedValue(new Error('not mocked')),
    decideRunStep: jest.fn().mockRejectedValue(new Error('not mocked')),
    createWorkflow: jest.fn().mockRejectedValue(new Error('not mocked')),
    updateWorkflow: jest.fn().mockRejectedValue(new Error('not mocked')),
    deleteWorkflow: jest.fn().mockRejectedValue(new Error('not mocked')),
    previewRequest: jest.fn().mockRejectedValue(new Error('not mocked')),
  };
}

/** The error the Self-Service client throws for a backend error response. */
export function makeResponseError(
  statusCode: number,
  name: string,
  message: string,
): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({ error: { name, message }, response: { statusCode } }),
      {
        status: statusCode,
        statusText: name,
        headers: { 'Content-Type': 'application/json' },
      },
    ) as any,
  );
}
