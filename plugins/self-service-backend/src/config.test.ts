import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { readSelfServiceConfig } from './config';
import { EgressPolicy } from './egress';

const workflow = {
  identifier: 'freeze-deploys',
  name: 'Freeze deployments',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  request: {
    method: 'POST',
    url: 'https://deploy.example.com/freeze',
    headers: { authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}' },
  },
};

describe('readSelfServiceConfig', () => {
  it('has defaults', () => {
    expect(readSelfServiceConfig(new ConfigReader({}))).toEqual({
      secrets: {},
      callbackServices: new Set(),
      signingKeys: new Map(),
      maxCallbackEventsPerRun: 500,
      requestTimeoutMs: 30_000,
      maxResponseBodyBytes: 65_536,
      egressPolicy: expect.any(EgressPolicy),
      workflows: [],
      catalogAllowedKinds: ['Component', 'Resource', 'System'],
    });
  });

  it('reads the kinds runs may create, refusing what is not a kind', () => {
    const read = (allowedKinds: string[]) =>
      readSelfServiceConfig(
        new ConfigReader({ selfService: { catalog: { allowedKinds } } }),
      ).catalogAllowedKinds;
    expect(read(['Resource', 'Template'])).toEqual(['Resource', 'Template']);
    expect(() => read(['Resource', 'not a kind'])).toThrow(
      "selfService.catalog.allowedKinds[1]: 'not a kind' is not an entity kind",
    );
  });

  it('reads where requests may go, stopping at an invalid pattern', () => {
    const { egressPolicy } = readSelfServiceConfig(
      new ConfigReader({
        selfService: { request: { allowedHosts: ['10.0.0.0/8'] } },
      }),
    );
    expect(egressPolicy.checkUrl(new URL('http://10.1.2.3/'))).toBeUndefined();
    expect(egressPolicy.checkUrl(new URL('http://192.168.1.1/'))).toBeDefined();
    expect(() =>
      readSelfServiceConfig(
        new ConfigReader({
          selfService: { request: { allowedHosts: ['10.0.0.0/8', '*'] } },
        }),
      ),
    ).toThrow("selfService.request.allowedHosts[1]: '*' is not a host name");
  });

  it('reads secrets, request limits and workflows, validated', () => {
    const config = readSelfServiceConfig(
      new ConfigReader({
        selfService: {
          secrets: { DEPLOY_TOKEN: 'abc123456' },
          request: { timeoutSeconds: 5, maxResponseBodyBytes: 1024 },
          workflows: [workflow],
        },
      }),
    );
    expect(config.secrets).toEqual({ DEPLOY_TOKEN: 'abc123456' });
    expect(config.requestTimeoutMs).toBe(5000);
    expect(config.maxResponseBodyBytes).toBe(1024);
    expect(config.workflows).toEqual([
      expect.objectContaining({ identifier: 'freeze-deploys', parameters: [] }),
    ]);
  });

  it('names the workflow and field of an invalid configured workflow', () => {
    expect(() =>
      readSelfServiceConfig(
        new ConfigReader({ selfService: { workflows: [workflow] } }),
      ),
    ).toThrow(
      /^selfService\.workflows\[0\]\.request\.headers\.authorization: .*DEPLOY_TOKEN/,
    );
    expect(() =>
      readSelfServiceConfig(
        new ConfigReader({
          selfService: {
            workflows: [
              {
                ...workflow,
                request: { method: 'POST', url: 'https://x.example.com/' },
              },
              {
                ...workflow,
                request: { method: 'POST', url: 'https://x.example.com/' },
              },
            ],
          },
        }),
      ),
    ).toThrow(
      "selfService.workflows[1].identifier: 'freeze-deploys' is used twice",
    );
  });

  it('stops at a configured workflow whose host is refused, unless allowed', () => {
    const internal = {
      ...workflow,
      request: { method: 'POST', url: 'http://10.0.0.1/freeze' },
    };
    expect(() =>
      readSelfServiceConfig(
        new ConfigReader({ selfService: { workflows: [internal] } }),
      ),
    ).toThrow(
      'selfService.workflows[0].request.url: 10.0.0.1 is a private address (10.0.0.0/8); requests to it are refused unless selfService.request.allowedHosts allows it',
    );
    expect(
      readSelfServiceConfig(
        new ConfigReader({
          selfService: {
            request: { allowedHosts: ['10.0.0.1'] },
            workflows: [internal],
          },
        }),
      ).workflows,
    ).toHaveLength(1);
  });

  it("accepts the example workflows of this repository's app-config.yaml", () => {
    const file = path.resolve(__dirname, '../../../app-config.yaml');
    if (!fs.existsSync(file)) {
      return; // The plugin was copied into another repository.
    }
    const appConfig = yaml.load(fs.readFileSync(file, 'utf8')) as any;
    const config = readSelfServiceConfig(
      new ConfigReader({
        backend: appConfig.backend,
        selfService: appConfig.selfService,
      }),
    );
    expect(config.workflows.length).toBeGreaterThan(0);
    expect(config.workflows.map(w => w.identifier)).toContain(
      'restart-service',
    );
  });

  it('refuses secrets too short to be redacted reliably, naming them and not their value', () => {
    let message = '';
    try {
      readSelfServiceConfig(
        new ConfigReader({
          selfService: {
            secrets: { LONG_ENOUGH: '12345678', PIN: 'x7k9q2' },
          },
        }),
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'selfService.secrets.PIN: must be at least 8 characters long, so that it can be redacted reliably wherever it appears (it has 6)',
    );
    expect(message).not.toContain('x7k9q2');
  });

  it("has secrets in this repository's app-config.yaml that are long enough", () => {
    const file = path.resolve(__dirname, '../../../app-config.yaml');
    if (!fs.existsSync(file)) {
      return;
    }
    const appConfig = yaml.load(fs.readFileSync(file, 'utf8')) as any;
    const secrets = readSelfServiceConfig(
      new ConfigReader({ selfService: appConfig.selfService }),
    ).secrets;
    expect(secrets.EXAMPLE_CI_TOKEN).toBe('example-ci-token-for-local-use');
  });

  it('reads the services allowed to use Backstage credentials on callbacks', () => {
    const config = readSelfServiceConfig(
      new ConfigReader({
        selfService: {
          callbacks: { allowedServices: ['external:ci-bot', 'plugin:deploy'] },
        },
      }),
    );
    expect([...config.callbackServices]).toEqual([
      'external:ci-bot',
      'plugin:deploy',
    ]);
    expect(() =>
      readSelfServiceConfig(
        new ConfigReader({
          selfService: { callbacks: { allowedServices: ['ci bot'] } },
        }),
      ),
    ).toThrow(/^selfService\.callbacks\.allowedServices\[0\]: /);
  });

  it('reads how many messages and links callbacks may post to a run, from 10 to 100000', () => {
    const read = (maxEventsPerRun: number | string) =>
      readSelfServiceConfig(
        new ConfigReader({ selfService: { callbacks: { maxEventsPerRun } } }),
      ).maxCallbackEventsPerRun;
    expect(read(10)).toBe(10);
    expect(read(2000)).toBe(2000);
    expect(read(100_000)).toBe(100_000);
    for (const bad of [9, 0, -1, 100_001, 10.5]) {
      expect(() => read(bad)).toThrow(
        `selfService.callbacks.maxEventsPerRun must be a whole number from 10 to 100000 (got ${bad})`,
      );
    }
    expect(() => read('lots')).toThrow(
      /selfService\.callbacks\.maxEventsPerRun/,
    );
  });

  it('refuses out-of-range request limits', () => {
    expect(() =>
      readSelfServiceConfig(
        new ConfigReader({ selfService: { request: { timeoutSeconds: 0 } } }),
      ),
    ).toThrow(/timeoutSeconds/);
  });

  describe('signing keys', () => {
    const secret = (bytes: number) =>
      `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

    it('reads a key and a rotating list of them, current first', () => {
      const a = secret(32);
      const b = secret(24);
      const config = readSelfServiceConfig(
        new ConfigReader({
          selfService: { signing: { keys: { ops: a, ci: [a, b] } } },
        }),
      );
      expect(config.signingKeys).toEqual(
        new Map([
          ['ops', [a]],
          ['ci', [a, b]],
        ]),
      );
    });

    it('refuses a secret that is not whsec_ base64, without showing it', () => {
      expect(() =>
        readSelfServiceConfig(
          new ConfigReader({
            selfService: { signing: { keys: { ops: 'hunter2-not-a-key' } } },
          }),
        ),
      ).toThrow(
        /^selfService\.signing\.keys\.ops: must be a Standard Webhooks secret: whsec_ followed by base64$/,
      );
    });

    it('refuses a secret of fewer than 24 bytes, naming its place in the list', () => {
      expect(() =>
        readSelfServiceConfig(
          new ConfigReader({
            selfService: {
              signing: { keys: { ops: [secret(32), secret(16)] } },
            },
          }),
        ),
      ).toThrow(
        /^selfService\.signing\.keys\.ops\[1\]: must hold at least 24 random bytes \(it has 16\)/,
      );
    });
  });
});
