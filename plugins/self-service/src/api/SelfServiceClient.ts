import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  Page,
  Run,
  Workflow,
  WorkflowSummary,
} from '@internal/plugin-self-service-common';
import {
  ListRunsOptions,
  ListWorkflowsOptions,
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
  ): Promise<WorkflowSummary[]> {
    const query = new URLSearchParams();
    if (options.entityRef) {
      query.set('entityRef', options.entityRef);
    }
    const { items } = await this.request<{ items: WorkflowSummary[] }>(
      withQuery('/workflows', query),
    );
    return items;
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
    if (options.workflow) {
      query.set('workflow', options.workflow);
    }
    if (options.status) {
      query.set('status', options.status);
    }
    if (options.mine) {
      query.set('mine', 'true');
    }
    if (options.cursor) {
      query.set('cursor', options.cursor);
    }
    if (options.limit !== undefined) {
      query.set('limit', String(options.limit));
    }
    return this.request<Page<Run>>(withQuery('/runs', query));
  }

  private async request<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('self-service');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}

function withQuery(path: string, query: URLSearchParams): string {
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}
