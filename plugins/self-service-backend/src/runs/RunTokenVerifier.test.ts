import type { SelfServiceStore } from '../database/SelfServiceStore';
import { generateRunToken, hashRunToken } from './runToken';
import { RunTokenVerifier } from './RunTokenVerifier';

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
