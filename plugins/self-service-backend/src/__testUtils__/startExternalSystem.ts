import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the external system received. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Reply = (req: ReceivedRequest) => {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
};

/**
 * A real HTTP server on 127.0.0.1 standing in for a CI system or any other
 * target of workflow requests: it records what it receives and answers as
 * each test tells it.
 */
export async function startExternalSystem() {
  const received: ReceivedRequest[] = [];
  let reply: Reply = () => ({ status: 200, body: '{"accepted":true}' });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      const answer = reply(request);
      setTimeout(() => {
        res.writeHead(answer.status, {
          'content-type': 'application/json',
          ...answer.headers,
        });
        res.end(answer.body ?? '');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    replyWith(next: Reply) {
      reply = next;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
