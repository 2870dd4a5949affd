import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('HttpRequestDispatcher', () => {
  const dispatcher = new HttpRequestDispatcher();

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
      timers.push(setTimeout(() => res.end(' rest'), 2000));
    });
    const attempt = await dispatcher.dispatch(get(server.url), {
      ...options,
      timeoutMs: 300,
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
    const attempt = await dispatcher.dispatch(
      get('http://does-not-exist.invalid/hook'),
      { ...options, timeoutMs: 10000 },
    );
    expect(attempt.outcome).toBe('failure');
    expect(attempt.error?.kind).toBe('dns');
    expect(attempt.error?.message).toContain('does-not-exist.invalid');
  }, 15000);

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
