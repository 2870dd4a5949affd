import { validateDelivery } from './validateDelivery';

const keys = new Set(['ops']);

describe('validateDelivery', () => {
  it('takes attempts from 1 to 10 and a configured signing key', () => {
    expect(validateDelivery(undefined, keys)).toBeUndefined();
    expect(
      validateDelivery({ maxAttempts: 3, signingKey: 'ops' }, keys),
    ).toEqual({
      maxAttempts: 3,
      signingKey: 'ops',
    });
    expect(validateDelivery({ maxAttempts: 10 }, keys)).toEqual({
      maxAttempts: 10,
    });
  });

  it.each([0, 11, 2.5, '3', -1])(
    'refuses %p attempts, naming the field',
    value => {
      expect(() => validateDelivery({ maxAttempts: value }, keys)).toThrow(
        'delivery.maxAttempts: must be a whole number from 1 to 10',
      );
    },
  );

  it('refuses a key that is not configured, naming the config', () => {
    expect(() => validateDelivery({ signingKey: 'other' }, keys)).toThrow(
      "delivery.signingKey: no key 'other' in selfService.signing.keys (configured: ops)",
    );
    expect(() => validateDelivery({ signingKey: 'ops' }, new Set())).toThrow(
      "delivery.signingKey: no key 'ops' in selfService.signing.keys (none is configured)",
    );
  });

  it('refuses unknown fields', () => {
    expect(() => validateDelivery({ retries: 2 }, keys)).toThrow(
      'delivery.retries: unknown field',
    );
    expect(() => validateDelivery([], keys)).toThrow(
      'delivery: must be an object',
    );
  });
});
