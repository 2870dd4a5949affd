import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  Page,
  RequestPreview,
  Run,
  RunEntityActionRecord,
  RunInputs,
  RunStep,
  Workflow,
  WorkflowDefinition,
  WorkflowPage,
} from '@backstage-self-service/plugin-self-service-common';
import {
  ListRunsOptions,
  ListWorkflowsOptions,
  RunPageDetails,
  SelfServiceApi,
} from './SelfServiceApi';

/**
 * Talks to the Self-Service backend over HTTP.
 *
 * @public
 */
export class SelfServiceClient implements SelfServiceApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async listWorkflows(
    options: ListWorkflowsOptions = {},
  ): Promise<WorkflowPage> {
    const query = new URLSearchParams();
    const search = options.search?.trim();
    if (search) {
      query.set('search', search);
    }
    if (options.scope) {
      query.set('scope', options.scope);
    }
    if (options.approval) {
      query.set('approval', 'true');
    }
    if (options.entityRef) {
      query.set('entityRef', options.entityRef);
    }
    if (options.cursor) {
      query.set('cursor', options.cursor);
    }
    if (options.limit !== undefined) {
      query.set('limit', String(options.limit));
    }
    const page = await this.request<WorkflowPage>(
      withQuery('/workflows', query),
    );
    return {
      items: page.items,
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      // A backend from before paging answers every workflow without a count.
      totalCount:
        typeof page.totalCount === 'number'
          ? page.totalCount
          : page.items.length,
    };
  }

  async getWorkflow(identifier: string): Promise<Workflow> {
    return this.request<Workflow>(
      `/workflows/${encodeURIComponent(identifier)}`,
    );
  }

  async listRuns(options: ListRunsOptions = {}): Promise<Page<Run>> {
    const query = new URLSearchParams();
    if (options.entityRef) {
      query.set('entityRef', options.entityRef);
    }
    if (options.touching) {
      query.set('touching', options.touching);
    }
    if (options.expiring) {
      query.set('expiring', 'true');
    }
    if (options.workflow) {
      query.set('workflow', options.workflow);
    }
    if (options.status) {
      query.set(
        'status',
        Array.isArray(options.status)
          ? options.status.join(',')
          : options.status,
      );
    }
    if (options.mine) {
      query.set('mine', 'true');
    }
    if (options.approvable) {
      query.set('approvable', 'true');
    }
    if (options.cursor) {
      query.set('cursor', options.cursor);
    }
    if (options.limit !== undefined) {
      query.set('limit', String(options.limit));
    }
    return this.request<Page<Run>>(withQuery('/runs', query));
  }

  async getRun(runId: string): Promise<RunPageDetails> {
    return this.request<RunPageDetails>(`/runs/${encodeURIComponent(runId)}`);
  }

  async listRunEntities(runId: string): Promise<RunEntityActionRecord[]> {
    const { items } = await this.request<{ items: RunEntityActionRecord[] }>(
      `/runs/${encodeURIComponent(runId)}/entities`,
    );
    return items;
  }

  async extendRun(runId: string, by: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/extend`, {
      method: 'POST',
      body: { by },
    });
  }

  async tearDownRun(runId: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/teardown`, {
      method: 'POST',
    });
  }

  async triggerRun(
    identifier: string,
    request: { entityRef?: string; inputs: RunInputs },
  ): Promise<Run> {
    return this.request<Run>(
      `/workflows/${encodeURIComponent(identifier)}/runs`,
      { method: 'POST', body: request },
    );
  }

  async approveRun(runId: string, comment?: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/approve`, {
      method: 'POST',
      body: comment ? { comment } : {},
    });
  }

  async rejectRun(runId: string, comment?: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/reject`, {
      method: 'POST',
      body: comment ? { comment } : {},
    });
  }

  async withdrawRun(runId: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/withdraw`, {
      method: 'POST',
    });
  }

  async redeliverRun(runId: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/redeliver`, {
      method: 'POST',
    });
  }

  async cancelRun(runId: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/cancel`, {
      method: 'POST',
    });
  }

  async retryRun(runId: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/retry`, {
      method: 'POST',
    });
  }

  async rerunRun(runId: string): Promise<Run> {
    return this.request<Run>(`/runs/${encodeURIComponent(runId)}/rerun`, {
      method: 'POST',
    });
  }

  async decideRunStep(
    runId: string,
    stepId: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ): Promise<RunStep> {
    return this.request<RunStep>(
      `/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(
        stepId,
      )}/${decision}`,
      { method: 'POST', body: comment ? { comment } : {} },
    );
  }

  async createWorkflow(definition: WorkflowDefinition): Promise<Workflow> {
    return this.request<Workflow>('/workflows', {
      method: 'POST',
      body: definition,
    });
  }

  async updateWorkflow(
    identifier: string,
    definition: WorkflowDefinition,
    revision?: number,
  ): Promise<Workflow> {
    return this.request<Workflow>(
      `/workflows/${encodeURIComponent(identifier)}`,
      {
        method: 'PUT',
        body: definition,
        headers:
          revision === undefined ? undefined : { 'if-match': `"${revision}"` },
      },
    );
  }

  async deleteWorkflow(identifier: string): Promise<void> {
    await this.request<void>(`/workflows/${encodeURIComponent(identifier)}`, {
      method: 'DELETE',
    });
  }

  async previewRequest(request: {
    definition: WorkflowDefinition;
    inputs: RunInputs;
    entityRef?: string;
  }): Promise<RequestPreview> {
    const { request: preview } = await this.request<{
      request: RequestPreview;
    }>('/preview', { method: 'POST', body: request });
    return preview;
  }

  private async request<T>(
    path: string,
    init?: {
      method: 'POST' | 'PUT' | 'DELETE';
      body?: unknown;
      headers?: Record<string, string>;
    },
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('self-service');
    const response = await this.fetchApi.fetch(
      `${baseUrl}${path}`,
      init && {
        method: init.method,
        headers: {
          ...(init.body !== undefined
            ? { 'content-type': 'application/json' }
            : {}),
          ...init.headers,
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      },
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }
}

/**
 * Percent-encodes a query name or value so that it holds none of the
 * characters the backend's OpenAPI validator refuses as reserved (400,
 * "must be url encoded"): URLSearchParams writes a space as `+`, and
 * encodeURIComponent leaves `!'()*`, so a search for two words failed.
 */
function encodeQueryComponent(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function withQuery(path: string, query: URLSearchParams): string {
  const search = [...query]
    .map(
      ([name, value]) =>
        `${encodeQueryComponent(name)}=${encodeQueryComponent(value)}`,
    )
    .join('&');
  return search ? `${path}?${search}` : path;
}
