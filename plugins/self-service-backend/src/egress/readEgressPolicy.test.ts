import { ConfigReader } from '@backstage/config';
import type { JsonObject, JsonValue } from '@backstage/types';
import { readEgressPolicy } from './readEgressPolicy';

function read(config: JsonObject) {
  return readEgressPolicy(new ConfigReader(config));
}

function allowing(allowedHosts: JsonValue, backend: JsonObject = {}) {
  return read({ backend, selfService: { request: { allowedHosts } } });
}

const refused = (policy: ReturnType<typeof read>, url: string) =>
  policy.checkUrl(new URL(url))?.message;

describe('readEgressPolicy', () => {
  it('refuses internal addresses when nothing is configured', () => {
    const policy = read({});
    expect(refused(policy, 'http://10.0.0.1/')).toContain('private');
    expect(refused(policy, 'https://api.example.com/')).toBeUndefined();
  });

  it('opens the configured exceptions', () => {
    const policy = allowing(['localhost:7008', '10.0.0.0/8']);
    expect(refused(policy, 'http://localhost:7008/')).toBeUndefined();
    expect(refused(policy, 'http://10.1.1.1/')).toBeUndefined();
    expect(refused(policy, 'http://192.168.1.1/')).toContain('private');
  });

  it('stops start-up at an entry that is not a pattern, naming it', () => {
    expect(() =>
      allowing(['localhost:7008', 'https://ci.example.com']),
    ).toThrow(
      "selfService.request.allowedHosts[1]: 'https://ci.example.com' is not a host name",
    );
    expect(() => allowing(['10.0.0.1/8'])).toThrow(
      "selfService.request.allowedHosts[0]: '10.0.0.1/8' has bits set past its prefix; the network is 10.0.0.0/8",
    );
    expect(() => allowing('localhost')).toThrow(
      /selfService\.request\.allowedHosts/,
    );
  });

  it('stops start-up at an entry that names what can never be allowed', () => {
    expect(() =>
      allowing(['localhost:7007'], { baseUrl: 'http://localhost:7007' }),
    ).toThrow(
      "selfService.request.allowedHosts[0]: 'localhost:7007' is this Backstage backend (backend.baseUrl), which workflows may never call",
    );
    expect(() => allowing(['169.254.169.254'])).toThrow(
      "selfService.request.allowedHosts[0]: '169.254.169.254' is a cloud metadata service, which workflows may never call",
    );
    expect(() => allowing(['metadata.google.internal'])).toThrow(
      'is a cloud metadata service',
    );
    // Wider patterns are fine: the refusal wins inside them.
    expect(() =>
      allowing(['localhost', '169.254.0.0/16'], {
        baseUrl: 'http://localhost:7007',
      }),
    ).not.toThrow();
  });

  it.each([
    [{ baseUrl: 'http://localhost:7007', listen: { port: 7007 } }],
    [{ baseUrl: 'http://localhost:7007', listen: ':7007' }],
    [{ baseUrl: 'http://localhost:7007', listen: '0.0.0.0:7007' }],
    [{ baseUrl: 'http://localhost:7007' }],
  ])('refuses the backend on this machine with backend %j', backend => {
    const policy = allowing(['127.0.0.0/8', 'localhost'], backend);
    expect(refused(policy, 'http://localhost:7007/')).toContain(
      'is this Backstage backend (backend.baseUrl)',
    );
    expect(refused(policy, 'http://127.0.0.1:7007/')).toContain(
      'where this Backstage backend listens on port 7007',
    );
    expect(refused(policy, 'http://127.0.0.1:7008/')).toBeUndefined();
  });

  it('knows no listen port when the backend picks one', () => {
    const policy = allowing(['127.0.0.0/8'], { listen: { port: 0 } });
    expect(refused(policy, 'http://127.0.0.1:7007/')).toBeUndefined();
  });
});
