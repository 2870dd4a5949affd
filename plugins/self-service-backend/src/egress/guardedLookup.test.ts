import type { LookupAddress, LookupOptions } from 'node:dns';
import { AllowedHosts } from './allowedHosts';
import { EgressPolicy } from './EgressPolicy';
import { EGRESS_REFUSED, EgressRefusedError } from './EgressRefusedError';
import { createGuardedLookup, type HostResolver } from './guardedLookup';

const policy = new EgressPolicy({
  allowedHosts: AllowedHosts.parse(
    ['127.0.0.1/32', '::1'],
    'selfService.request.allowedHosts',
  ),
});

const resolve: HostResolver = async hostname =>
  ({
    'dual.test': [
      { address: '127.0.0.1', family: 4 as const },
      { address: '::1', family: 6 as const },
    ],
    'internal.test': [
      { address: '127.0.0.1', family: 4 as const },
      { address: '10.0.0.1', family: 4 as const },
    ],
    'empty.test': [],
  }[hostname] ??
  Promise.reject(
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
    }),
  ));

function lookup(hostname: string, options: LookupOptions) {
  const guarded = createGuardedLookup({ policy, port: 443, resolve });
  return new Promise<{
    error: NodeJS.ErrnoException | null;
    address: string | LookupAddress[];
    family?: number;
  }>(done =>
    guarded(hostname, options, (error, address, family) =>
      done({ error, address, family }),
    ),
  );
}

describe('createGuardedLookup', () => {
  it('answers with every checked address when asked for all', async () => {
    await expect(lookup('dual.test', { all: true })).resolves.toEqual({
      error: null,
      address: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
      family: undefined,
    });
  });

  it('answers with the first address of the family asked for', async () => {
    await expect(lookup('dual.test', {})).resolves.toMatchObject({
      address: '127.0.0.1',
      family: 4,
    });
    await expect(lookup('dual.test', { family: 6 })).resolves.toMatchObject({
      address: '::1',
      family: 6,
    });
    await expect(
      lookup('dual.test', { family: 'IPv6', all: true }),
    ).resolves.toMatchObject({ address: [{ address: '::1', family: 6 }] });
  });

  it('refuses with a typed error when any address is refused', async () => {
    const { error } = await lookup('internal.test', { all: true });
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error).toMatchObject({
      code: EGRESS_REFUSED,
      refusal: { host: 'internal.test', address: '10.0.0.1', allowable: true },
    });
  });

  it('passes resolver errors on, and reports no addresses as not found', async () => {
    await expect(lookup('nowhere.test', {})).resolves.toMatchObject({
      error: { code: 'ENOTFOUND' },
    });
    await expect(lookup('empty.test', {})).resolves.toMatchObject({
      error: { code: 'ENOTFOUND', hostname: 'empty.test' },
    });
  });
});
