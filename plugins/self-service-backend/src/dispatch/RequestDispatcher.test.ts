import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testNetwork } from '../__testUtils__/testNetwork';
import { AllowedHosts, EgressPolicy, type HostResolver } from '../egress';
import { HttpRequestDispatcher, DispatchOptions } from './RequestDispatcher';
import { RenderedRequest } from './renderRequest';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface TestServer {
  url: string;
  /** Requests received, with their bodies. */
  requests: Array<{
    method?: string;
    url?: string;
    headers: http.IncomingHttpHeaders;
    body: string;
  }>;
}

const servers: Array<http.Server> = [];
const timers: Array<NodeJS.Timeout> = [];

async function listen(server: http.Server, scheme = 'http'): Promise<string> {
  servers.push(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startServer(handler: Handler): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler(req, res);
    });
  });
  return { url: await listen(server), requests };
}

async function closeServer(server: http.Server) {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
}

afterEach(async () => {
  timers.splice(0).forEach(clearTimeout);
  await Promise.all(servers.splice(0).map(closeServer));
});

const options: DispatchOptions = {
  timeoutMs: 5000,
  maxResponseBodyBytes: 1024,
};

function get(url: string): RenderedRequest {
  return { method: 'GET', url, headers: {} };
}

function allowing(...allowedHosts: string[]): EgressPolicy {
  return new EgressPolicy({
    allowedHosts: AllowedHosts.parse(
      allowedHosts,
      'selfService.request.allowedHosts',
    ),
  });
}

/** Resolves names as a test says, counting the lookups. */
function resolverOf(
  ...answers: Array<Record<string, string[]>>
): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  return Object.assign(
    async (hostname: string) => {
      calls.push(hostname);
      const answer = answers[Math.min(calls.length, answers.length) - 1];
      const addresses = answer[hostname];
      if (!addresses) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: 'ENOTFOUND',
          hostname,
        });
      }
      return addresses.map(address => ({
        address,
        family: address.includes(':') ? (6 as const) : (4 as const),
      }));
    },
    { calls },
  );
}

describe('HttpRequestDispatcher', () => {
  // The test servers listen on 127.0.0.1, refused unless allowed.
  const dispatcher = new HttpRequestDispatcher({
    egressPolicy: allowing('127.0.0.1/32'),
  });

  it('sends method, headers and body, and records a 200 as success with its body', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, 'OK', { 'Content-Type': 'application/json' });
      res.end('{"deployed":true}');
    });
    const request: RenderedRequest = {
      method: 'POST',
      url: `${server.url}/deploy?x=1`,
      headers: { 'Content-Type': 'application/json', 'X-Run': 'run-1' },
      body: '{"replicas":3}',
    };

    const attempt = await dispatcher.dispatch(request, options);

    expect(server.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/deploy?x=1',
        body: '{"replicas":3}',
        headers: expect.objectContaining({ 'x-run': 'run-1' }),
      }),
    ]);
    expect(attempt).toEqual({
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      durationMs: expect.any(Number),
      request,
      response: {
        status: 200,
        statusText: 'OK',
        headers: expect.objectContaining({
          'content-type': 'application/json',
        }),
        body: '{"deployed":true}',
        bodyTruncated: false,
      },
      outcome: 'success',
    });
    expect(attempt.error).toBeUndefined();
  });

  it.each([[201], [204]])('records %i as success', async status => {
    const server = await startServer((_req, res) => {
      res.writeHead(status);
      res.end();
    });
    const attempt = await dispatcher.dispatch(get(server.url), options);
    expect(attempt.outcome).toBe('success');
    expect(attempt.response).toMatchObject({ status, body: '' });
  });

  it('does not follow a redirect and records it as a failure', async () => {
    const target = await startServer((_req, res) => res.end('followed'));
    const server = await startServer((_req, res) => {
      res.writeHead(302, { Location: `${target.url}/elsewhere` });
      res.end('moved');
    });

    const attempt = await dispatcher.dispatch(get(server.url), options);

    expect(attempt.outcome).toBe('failure');
    expect(attempt.response).toMatchObject({
      status: 302,
      headers: expect.objectContaining({
        location: `${target.url}/elsewhere`,
      }),
    });
    expect(target.requests).toHaveLength(0);
  });

  it('records a 500 as a failure with its body', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(500);
      res.end('database down');
    });
    const attempt = await dispatcher.dispatch(get(server.url), options);
    expect(attempt.outcome).toBe('failure');
    expect(attempt.response).toMatchObject({
      status: 500,
      body: 'database down',
      bodyTruncated: false,
    });
    expect(attempt.error).toBeUndefined();
  });

  it('keeps only the first maxResponseBodyBytes of a large body', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200);
      res.end('x'.repeat(1024 * 1024));
    });
    const attempt = await dispatcher.dispatch(get(server.url), {
      ...options,
      maxResponseBodyBytes: 1000,
    });
    expect(attempt.outcome).toBe('success');
    expect(attempt.response?.body).toBe('x'.repeat(1000));
    expect(attempt.response?.bodyTruncated).toBe(true);
  });

  it('times out a slow server', async () => {
    const server = await startServer((_req, res) => {
      timers.push(setTimeout(() => res.end('late'), 2000));
    });
    const attempt = await dispatcher.dispatch(get(server.url), {
      ...options,
      timeoutMs: 200,
    });
    expect(attempt.outcome).toBe('failure');
    expect(attempt.response).toBeUndefined();
    expect(attempt.error).toEqual({
      kind: 'timeout',
      message: 'Timed out after 200 ms',
    });
    expect(attempt.durationMs).toBeLessThan(1500);
  });

  it('times out a body that stops arriving, keeping what came', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200);
      res.write('partial');
      timers.push(setTimeout(() => res.end(' rest'), 5000));
    });
    // Long enough for the headers and the first bytes to arrive on a busy
    // machine: 300 ms once timed out before them.
    const attempt = await dispatcher.dispatch(get(server.url), {
      ...options,
      timeoutMs: 1000,
    });
    expect(attempt.response).toMatchObject({
      status: 200,
      body: 'partial',
      bodyTruncated: true,
    });
    expect(attempt.error?.kind).toBe('timeout');
  });

  it('reports a refused connection', async () => {
    const closed = http.createServer();
    const url = await listen(closed);
    servers.splice(servers.indexOf(closed), 1);
    await closeServer(closed);

    const attempt = await dispatcher.dispatch(get(url), options);

    expect(attempt.outcome).toBe('failure');
    expect(attempt.response).toBeUndefined();
    expect(attempt.error).toEqual({
      kind: 'connection',
      message: `Connection refused by ${new URL(url).host}`,
    });
  });

  it('reports a host that does not resolve', async () => {
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing(),
      resolve: resolverOf({}),
    }).dispatch(get('http://does-not-exist.invalid/hook'), options);
    expect(attempt.outcome).toBe('failure');
    expect(attempt.error).toEqual({
      kind: 'dns',
      message: 'Host does-not-exist.invalid was not found (DNS)',
    });
  });

  it('reports a request fetch cannot send instead of throwing', async () => {
    const server = await startServer((_req, res) => res.end());
    const attempt = await dispatcher.dispatch(
      { ...get(server.url), body: '{"a":1}' },
      options,
    );
    expect(attempt.outcome).toBe('failure');
    expect(attempt.error?.kind).toBe('invalid-request');
    expect(attempt.request.body).toBe('{"a":1}');
    expect(server.requests).toHaveLength(0);
  });

  const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
  // A self-signed certificate needs openssl to generate.
  (hasOpenssl ? describe : describe.skip)('over TLS', () => {
    it('reports an untrusted certificate as a TLS error', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dispatch-tls-'));
      try {
        const generated = spawnSync('openssl', [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ]);
        expect(generated.status).toBe(0);
        const server = https.createServer(
          {
            key: readFileSync(join(dir, 'key.pem')),
            cert: readFileSync(join(dir, 'cert.pem')),
          },
          (_req, res) => res.end('secret'),
        );
        const url = await listen(server, 'https');

        const attempt = await dispatcher.dispatch(get(url), options);

        expect(attempt.outcome).toBe('failure');
        expect(attempt.response).toBeUndefined();
        expect(attempt.error?.kind).toBe('tls');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 15000);
  });
});

describe('HttpRequestDispatcher: where requests may go', () => {
  const KEY = 'selfService.request.allowedHosts';

  async function okServer() {
    return startServer((_req, res) => {
      // A new connection, and so a new lookup, for every request.
      res.writeHead(200, { Connection: 'close' });
      res.end('ok');
    });
  }

  it.each([
    ['http://10.0.0.1/admin', '10.0.0.1 is a private address (10.0.0.0/8)'],
    ['http://127.1:9/', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
    [
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      '[::ffff:a9fe:a9fe] is a cloud metadata service',
    ],
    [
      'http://metadata.google.internal/computeMetadata/v1/',
      'metadata.google.internal is a cloud metadata service',
    ],
  ])('refuses %s before sending anything', async (url, reason) => {
    const resolve = resolverOf({});
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing(),
      resolve,
    }).dispatch(get(url), options);

    expect(attempt.outcome).toBe('failure');
    expect(attempt.response).toBeUndefined();
    expect(attempt.error?.kind).toBe('refused-address');
    expect(attempt.error?.message).toMatch(
      new RegExp(`^Refused to send the request: ${escape(reason)}`),
    );
    expect(attempt.error?.message).toContain(KEY);
    expect(attempt.request.url).toBe(url);
    expect(resolve.calls).toEqual([]);
    expect(testNetwork.connections).toEqual([]);
  });

  it('refuses a name that resolves to a refused address before connecting', async () => {
    const resolve = resolverOf({ 'ci.example.com': ['10.0.0.1'] });
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing(),
      resolve,
    }).dispatch(get('https://ci.example.com/hooks'), options);

    expect(attempt.outcome).toBe('failure');
    expect(attempt.error).toEqual({
      kind: 'refused-address',
      message: `Refused to send the request: ci.example.com resolves to 10.0.0.1, a private address (10.0.0.0/8); requests to it are refused unless ${KEY} allows it`,
    });
    expect(resolve.calls).toEqual(['ci.example.com']);
    expect(testNetwork.connections).toEqual([]);
  });

  it.each([
    ['127.0.0.1'],
    ['127.0.0.53'],
    ['10.0.0.1'],
    ['172.16.0.1'],
    ['192.168.0.1'],
    ['169.254.169.254'],
    ['169.254.1.1'],
    ['100.64.0.1'],
    ['100.100.100.200'],
    ['0.0.0.0'],
    ['224.0.0.1'],
    ['255.255.255.255'],
    ['192.0.0.1'],
    ['198.18.0.1'],
    ['240.0.0.1'],
    ['::1'],
    ['::'],
    ['fe80::1'],
    ['fd00::1'],
    ['fd00:ec2::254'],
    ['ff02::1'],
    ['::ffff:127.0.0.1'],
    ['::ffff:10.0.0.1'],
    ['::ffff:169.254.169.254'],
    ['::127.0.0.1'],
    ['64:ff9b::10.0.0.1'],
    ['2002:a00:1::1'],
  ])('refuses a name that resolves to %s, before connecting', async address => {
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing(),
      resolve: resolverOf({ 'target.example.com': [address] }),
    }).dispatch(get('https://target.example.com/'), options);
    expect(attempt.error?.kind).toBe('refused-address');
    expect(attempt.error?.message).toContain(
      `target.example.com resolves to ${address}, `,
    );
    expect(attempt.error?.message).toContain(KEY);
    expect(testNetwork.connections).toEqual([]);
  });

  it('connects to the address it checked, once allowed', async () => {
    const server = await okServer();
    const { port } = new URL(server.url);
    const resolve = resolverOf({ 'ci.example.com': ['127.0.0.1'] });
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing('127.0.0.1/32'),
      resolve,
    }).dispatch(get(`http://ci.example.com:${port}/hooks`), options);

    expect(attempt.outcome).toBe('success');
    expect(server.requests).toEqual([
      expect.objectContaining({
        url: '/hooks',
        headers: expect.objectContaining({ host: `ci.example.com:${port}` }),
      }),
    ]);
    expect(testNetwork.connections).toEqual([
      { address: '127.0.0.1', port: Number(port) },
    ]);
  });

  it('trusts an allowed name wherever it resolves', async () => {
    const server = await okServer();
    const { port } = new URL(server.url);
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing(`ci.example.com:${port}`),
      resolve: resolverOf({ 'ci.example.com': ['127.0.0.1'] }),
    }).dispatch(get(`http://ci.example.com:${port}/`), options);
    expect(attempt.outcome).toBe('success');
  });

  it('refuses a name with one refused address among allowed ones', async () => {
    const server = await okServer();
    const { port } = new URL(server.url);
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing('127.0.0.1/32'),
      resolve: resolverOf({ 'mixed.example.com': ['127.0.0.1', '10.0.0.2'] }),
    }).dispatch(get(`http://mixed.example.com:${port}/`), options);

    expect(attempt.error?.kind).toBe('refused-address');
    expect(attempt.error?.message).toContain(
      'mixed.example.com resolves to 10.0.0.2, a private address',
    );
    expect(server.requests).toHaveLength(0);
    expect(testNetwork.connections).toEqual([]);
  });

  it('checks every new connection, so a name that rebinds is refused', async () => {
    const server = await okServer();
    const { port } = new URL(server.url);
    const resolve = resolverOf(
      { 'rebind.example.com': ['127.0.0.1'] },
      { 'rebind.example.com': ['169.254.169.254'] },
    );
    const rebinding = new HttpRequestDispatcher({
      egressPolicy: allowing('127.0.0.1/32'),
      resolve,
    });
    const url = `http://rebind.example.com:${port}/`;

    const first = await rebinding.dispatch(get(url), options);
    const second = await rebinding.dispatch(get(url), options);

    expect(first.outcome).toBe('success');
    expect(second.error).toEqual({
      kind: 'refused-address',
      message: `Refused to send the request: rebind.example.com resolves to 169.254.169.254, a cloud metadata service, which workflows may never call (${KEY} cannot allow it)`,
    });
    expect(resolve.calls).toEqual(['rebind.example.com', 'rebind.example.com']);
    expect(server.requests).toHaveLength(1);
    expect(testNetwork.connections).toEqual([
      { address: '127.0.0.1', port: Number(port) },
    ]);
  });

  it('checks names resolved by the system resolver too', async () => {
    testNetwork.mapHost('internal.example.com', ['192.168.10.10']);
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing(),
    }).dispatch(get('http://internal.example.com/'), options);
    expect(attempt.error?.message).toContain(
      'internal.example.com resolves to 192.168.10.10, a private address (192.168.0.0/16)',
    );
    expect(testNetwork.connections).toEqual([]);
  });

  it('does not follow a redirect to a refused address', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(302, { Location: 'http://169.254.169.254/latest/' });
      res.end();
    });
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: allowing('127.0.0.1/32'),
    }).dispatch(get(server.url), options);
    expect(attempt.outcome).toBe('failure');
    expect(attempt.response?.status).toBe(302);
    expect(testNetwork.connections).toEqual([
      { address: '127.0.0.1', port: Number(new URL(server.url).port) },
    ]);
  });

  it('never calls this backend, even on an allowed address', async () => {
    const server = await okServer();
    const attempt = await new HttpRequestDispatcher({
      egressPolicy: new EgressPolicy({
        allowedHosts: AllowedHosts.parse(['127.0.0.0/8'], KEY),
        backendBaseUrl: server.url,
      }),
    }).dispatch(get(`${server.url}/api/catalog/entities`), options);
    expect(attempt.error?.message).toBe(
      `Refused to send the request: ${
        new URL(server.url).host
      } is this Backstage backend (backend.baseUrl), which workflows may never call (${KEY} cannot allow it)`,
    );
    expect(server.requests).toHaveLength(0);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
