import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { readSelfServiceConfig } from './config';

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
      requestTimeoutMs: 30_000,
      maxResponseBodyBytes: 65_536,
      workflows: [],
    });
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

  it("accepts the example workflows of this repository's app-config.yaml", () => {
    const file = path.resolve(__dirname, '../../../app-config.yaml');
    if (!fs.existsSync(file)) {
      return; // The plugin was copied into another repository.
    }
    const appConfig = yaml.load(fs.readFileSync(file, 'utf8')) as any;
    const config = readSelfServiceConfig(
      new ConfigReader({ selfService: appConfig.selfService }),
    );
    expect(config.workflows.length).toBeGreaterThan(0);
    expect(config.workflows.map(w => w.identifier)).toContain(
      'restart-service',
    );
  });

  it('refuses out-of-range request limits', () => {
    expect(() =>
      readSelfServiceConfig(
        new ConfigReader({ selfService: { request: { timeoutSeconds: 0 } } }),
      ),
    ).toThrow(/timeoutSeconds/);
  });
});
