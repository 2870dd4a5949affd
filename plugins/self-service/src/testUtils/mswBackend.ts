import type { SetupServer } from 'msw/node';
import { SelfServiceClient } from '../api';

/** Where the test backend listens, as the discovery API gives it. */
export const BACKEND_BASE_URL = 'http://localhost:7007';

/** The base URL of the Self-Service backend in tests with msw. */
export const SELF_SERVICE_URL = `${BACKEND_BASE_URL}/api/self-service`;

/**
 * The real HTTP client of the plugin, talking to whatever msw handlers stand
 * in for the backend at {@link SELF_SERVICE_URL}. Discovery works like
 * `mockApis.discovery` of `@backstage/test-utils`; fetching is the global
 * `fetch`, looked up on each call since msw replaces it once it listens.
 */
export function mswSelfServiceClient(): SelfServiceClient {
  return new SelfServiceClient({
    discoveryApi: {
      getBaseUrl: async (pluginId: string) =>
        `${BACKEND_BASE_URL}/api/${pluginId}`,
    },
    fetchApi: {
      fetch: (input, init) => globalThis.fetch(input, init),
    },
  });
}

/** An error response with the body Backstage backends send. */
export function backstageErrorResponse(
  statusCode: number,
  name: string,
  message: string,
): Response {
  return new Response(
    JSON.stringify({ error: { name, message }, response: { statusCode } }),
    {
      status: statusCode,
      statusText: name,
      headers: { 'content-type': 'application/json' },
    },
  );
}

/** What the backend saw of a request. */
export interface SeenRequest {
  method: string;
  /** The path, for example `/api/self-service/runs/r-1/approve`. */
  path: string;
  query: URLSearchParams;
  contentType: string | null;
  /** The JSON body, parsed; undefined when there was none. */
  body: unknown;
}

/** Reads a request as the backend would; the request itself is not used up. */
export async function seeRequest(request: Request): Promise<SeenRequest> {
  const url = new URL(request.url);
  const text = await request.clone().text();
  return {
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    contentType: request.headers.get('content-type'),
    body: text ? JSON.parse(text) : undefined,
  };
}

/**
 * Every request that reaches msw, handled or not, as `METHOD pathname`, so
 * a test can tell that nothing was sent. Call it in a `describe` block: the
 * list is emptied before each test.
 */
export function recordRequests(server: SetupServer): string[] {
  const requests: string[] = [];
  const listener = ({ request }: { request: Request }) => {
    requests.push(`${request.method} ${new URL(request.url).pathname}`);
  };
  beforeAll(() => {
    server.events.on('request:start', listener);
  });
  beforeEach(() => {
    requests.length = 0;
  });
  afterAll(() => {
    server.events.removeListener('request:start', listener);
  });
  return requests;
}
