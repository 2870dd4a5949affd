/*
 * A stand-in for an external system in the end-to-end tests: an HTTP
 * server on the loopback port app-config.yaml allows for them, which keeps
 * every request it gets and answers as a test tells it. Only one suite can
 * hold the port at a time: scripts/e2e.sh runs the suites one after the
 * other, and each closes its receiver when done.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The port app-config.yaml allows (selfService.request.allowedHosts). */
export const STAND_IN_RECEIVER_PORT = 7009;

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the receiver sends back. */
export interface ReceiverAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** How to answer the request at `index` (from 0) of those received. */
export type AnswerRequest = (
  index: number,
  request: ReceivedRequest,
) => ReceiverAnswer;

/** An answer that takes the request for later, as most receivers do. */
const QUEUED: ReceiverAnswer = {
  status: 202,
  headers: { 'content-type': 'application/json' },
  body: '{"status":"queued"}',
};

/** Starts a receiver; `close` it when done, also when the test fails. */
export async function startStandInReceiver(
  answer: AnswerRequest = () => QUEUED,
) {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = received.push(request) - 1;
      const { status, body, headers } = answer(index, request);
      res.writeHead(status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(STAND_IN_RECEIVER_PORT, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/dispatch`,
    received,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        // The backend keeps connections alive; they would hold the port.
        server.closeAllConnections();
      }),
  };
}
