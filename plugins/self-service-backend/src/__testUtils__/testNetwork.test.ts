import dns from 'node:dns';
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import { testNetwork } from './testNetwork';

/** Connects and resolves with the error, or undefined once connected. */
function connect(options: net.NetConnectOpts): Promise<Error | undefined> {
  return new Promise(resolve => {
    const socket = net.connect(options);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', resolve);
  });
}

describe('the test network', () => {
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

  it('connects to loopback addresses, by address and by name', async () => {
    await expect(connect({ host: '127.0.0.1', port })).resolves.toBeUndefined();
    testNetwork.mapHost('ci.test', ['127.0.0.1']);
    await expect(connect({ host: 'ci.test', port })).resolves.toBeUndefined();
    const response = await fetch(`http://ci.test:${port}/`);
    await expect(response.text()).resolves.toBe('ok');
    expect(testNetwork.connections).toContainEqual({
      address: '127.0.0.1',
      port,
    });
    expect(testNetwork.takeViolations()).toEqual([]);
  });

  it('refuses a connection to any other address and records it', async () => {
    const error = await connect({ host: '10.0.0.1', port: 80 });
    expect(error?.message).toMatch(
      /connection to 10\.0\.0\.1:80 was attempted/,
    );
    expect(testNetwork.takeViolations()).toHaveLength(1);
  });

  it('refuses a name that resolves elsewhere, after the lookup and before connecting', async () => {
    testNetwork.mapHost('rebinding.test', ['127.0.0.1', '169.254.169.254']);
    const error = await connect({ host: 'rebinding.test', port: 80 });
    expect(error?.message).toMatch(/169\.254\.169\.254:80 was attempted/);
    expect(testNetwork.takeViolations()).toHaveLength(1);
  });

  it('refuses what fetch and http would send elsewhere', async () => {
    await expect(fetch('http://192.168.1.1/')).rejects.toThrow();
    await new Promise<void>(resolve =>
      http
        .get('http://[fe80::1]/', () => resolve())
        .on('error', () => resolve()),
    );
    expect(testNetwork.takeViolations()).toEqual([
      expect.stringContaining('192.168.1.1:80'),
      expect.stringContaining('fe80::1:80'),
    ]);
  });

  it('does not resolve names it was not given, without asking DNS', async () => {
    await expect(dns.promises.lookup('example.com')).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
    const error = await connect({ host: 'example.com', port: 80 });
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
    expect(testNetwork.connections).toEqual([]);
    expect(testNetwork.takeViolations()).toEqual([]);
  });

  it('forgets mapped names after each test', async () => {
    await expect(dns.promises.lookup('ci.test')).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
  });
});
