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
  let hashes: Record<string, string[]>;
  const listRunTokenHashes = jest.fn(async (id: string) => hashes[id] ?? []);
  const store = { listRunTokenHashes };
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    hashes = {
      'run-1': [hashRunToken(token)],
      'run-2': [hashRunToken(generateRunToken())],
    };
    listRunTokenHashes.mockClear();
    now = 0;
  });

  it("accepts the run's own token and refuses others", async () => {
    const verifier = new RunTokenVerifier(store, clock);
    await expect(verifier.verify('run-1', token)).resolves.toBe(true);
    await expect(verifier.verify('run-2', token)).resolves.toBe(false);
    await expect(verifier.verify('run-1', generateRunToken())).resolves.toBe(
      false,
    );
    await expect(verifier.verify('unknown', token)).resolves.toBe(false);
  });

  it("keeps a step's token to that step, and the run's token to the run", async () => {
    const stepToken = generateRunToken();
    const byScope: Record<string, string[]> = {
      'run-1': [hashRunToken(token)],
      'run-1/deploy': [hashRunToken(stepToken)],
    };
    const scoped = {
      listRunTokenHashes: async (id: string, stepId?: string) =>
        byScope[stepId === undefined ? id : `${id}/${stepId}`] ?? [],
    };
    const verifier = new RunTokenVerifier(scoped, clock);
    await expect(verifier.verify('run-1', stepToken, 'deploy')).resolves.toBe(
      true,
    );
    await expect(verifier.verify('run-1', stepToken)).resolves.toBe(false);
    await expect(verifier.verify('run-1', stepToken, 'build')).resolves.toBe(
      false,
    );
    await expect(verifier.verify('run-1', token, 'deploy')).resolves.toBe(
      false,
    );
    await expect(verifier.verify('run-1', token)).resolves.toBe(true);
  });

  it('reads a run’s hashes from the store once', async () => {
    const verifier = new RunTokenVerifier(store, clock);
    for (let i = 0; i < 5; i++) {
      await verifier.verify('run-1', token);
    }
    expect(listRunTokenHashes).toHaveBeenCalledTimes(1);
  });

  it('does not cache a run without a token yet', async () => {
    const verifier = new RunTokenVerifier(store, clock);
    await verifier.verify('unknown', token);
    await verifier.verify('unknown', token);
    expect(listRunTokenHashes).toHaveBeenCalledTimes(2);
  });

  it('accepts the token of a later attempt, and every earlier one still', async () => {
    const verifier = new RunTokenVerifier(store, clock);
    await expect(verifier.verify('run-1', token)).resolves.toBe(true);
    const resent = generateRunToken();
    hashes['run-1'] = [...hashes['run-1'], hashRunToken(resent)];
    now = 1500;
    await expect(verifier.verify('run-1', resent)).resolves.toBe(true);
    await expect(verifier.verify('run-1', token)).resolves.toBe(true);
  });

  it('looks a wrong token up again at most once a second', async () => {
    const verifier = new RunTokenVerifier(store, clock);
    await verifier.verify('run-1', token);
    for (let i = 0; i < 20; i++) {
      await verifier.verify('run-1', generateRunToken());
    }
    expect(listRunTokenHashes).toHaveBeenCalledTimes(1);
    now = 1001;
    await verifier.verify('run-1', generateRunToken());
    expect(listRunTokenHashes).toHaveBeenCalledTimes(2);
  });
});
