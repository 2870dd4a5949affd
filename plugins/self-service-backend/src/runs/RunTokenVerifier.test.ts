import type { SelfServiceStore } from '../database/SelfServiceStore';
import {
  generateRunToken,
  hashRunToken,
  isRunToken,
  runTokenMatches,
} from './runToken';
import { RunTokenVerifier } from './RunTokenVerifier';

describe('run tokens', () => {
  it('are recognisable by their prefix, and random', () => {
    const token = generateRunToken();
    expect(token).toMatch(/^ssrt_[A-Za-z0-9_-]{43}$/);
    expect(generateRunToken()).not.toBe(token);
    expect(isRunToken(token)).toBe(true);
    // Backstage tokens: a JWT, and a static external access token.
    expect(isRunToken('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(false);
    expect(isRunToken('x'.repeat(43))).toBe(false);
  });

  it('are stored as a hash and compared with it', () => {
    const token = generateRunToken();
    const hash = hashRunToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
    expect(runTokenMatches(token, hash)).toBe(true);
    expect(runTokenMatches(generateRunToken(), hash)).toBe(false);
    expect(runTokenMatches(token, 'abc')).toBe(false);
  });
});

describe('RunTokenVerifier', () => {
  const token = generateRunToken();
  const hashes: Record<string, string | undefined> = {
    'run-1': hashRunToken(token),
    'run-2': hashRunToken(generateRunToken()),
  };
  const getRunTokenHash = jest.fn(async (id: string) => hashes[id]);
  const store = { getRunTokenHash } as unknown as SelfServiceStore;

  beforeEach(() => getRunTokenHash.mockClear());

  it("accepts the run's own token and refuses others", async () => {
    const verifier = new RunTokenVerifier(store);
    await expect(verifier.verify('run-1', token)).resolves.toBe(true);
    await expect(verifier.verify('run-2', token)).resolves.toBe(false);
    await expect(verifier.verify('run-1', generateRunToken())).resolves.toBe(
      false,
    );
    await expect(verifier.verify('unknown', token)).resolves.toBe(false);
  });

  it('reads a run’s hash from the store once', async () => {
    const verifier = new RunTokenVerifier(store);
    for (let i = 0; i < 5; i++) {
      await verifier.verify('run-1', token);
    }
    expect(getRunTokenHash).toHaveBeenCalledTimes(1);
  });

  it('does not cache a run without a token yet', async () => {
    const verifier = new RunTokenVerifier(store);
    await verifier.verify('unknown', token);
    await verifier.verify('unknown', token);
    expect(getRunTokenHash).toHaveBeenCalledTimes(2);
  });
});
