import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { testNetwork } from '../__testUtils__/testNetwork';
import { AllowedHosts } from './allowedHosts';
import { EgressPolicy } from './EgressPolicy';
import { EGRESS_REFUSED } from './EgressRefusedError';
import { createGuardedAgent } from './guardedAgent';

const policy = new EgressPolicy({
  allowedHosts: AllowedHosts.parse(
    ['127.0.0.1/32'],
    'selfService.request.allowedHosts',
  ),
});

describe('createGuardedAgent', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  // Without the dispatcher's check of the URL in front of it.
  it.each([
    ['http://10.0.0.1/', '10.0.0.1 is a private address'],
    ['http://[::1]/', '::1 is the loopback address'],
    ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe is a cloud metadata'],
  ])('refuses the literal address of %s itself', async (url, message) => {
    const agent = createGuardedAgent({ policy });
    const failure = await fetch(url, { dispatcher: agent }).catch(e => e);
    expect(failure.cause).toMatchObject({ code: EGRESS_REFUSED });
    expect(failure.cause.message).toContain(message);
    expect(testNetwork.connections).toEqual([]);
  });

  it('connects to allowed addresses and to names that resolve to them', async () => {
    const agent = createGuardedAgent({
      policy,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const direct = await fetch(`http://127.0.0.1:${port}/`, {
      dispatcher: agent,
    });
    await expect(direct.text()).resolves.toBe('ok');
    const named = await fetch(`http://ci.test:${port}/`, { dispatcher: agent });
    await expect(named.text()).resolves.toBe('ok');
  });

  it('checks the port a host:port entry names', async () => {
    const resolve = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const onlyOtherPort = createGuardedAgent({
      policy: new EgressPolicy({
        allowedHosts: AllowedHosts.parse(
          [`ci.test:${port + 1}`],
          'selfService.request.allowedHosts',
        ),
      }),
      resolve,
    });
    const failure = await fetch(`http://ci.test:${port}/`, {
      dispatcher: onlyOtherPort,
    }).catch(e => e);
    expect(failure.cause).toMatchObject({ code: EGRESS_REFUSED });
    expect(testNetwork.connections).toEqual([]);
  });
});
