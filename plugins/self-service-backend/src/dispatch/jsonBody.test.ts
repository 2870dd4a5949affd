import { contentTypeOf } from './jsonBody';

describe('contentTypeOf', () => {
  it('finds the Content-Type header whatever the case of its name', () => {
    expect(contentTypeOf({ 'Content-Type': 'application/json' })).toBe(
      'application/json',
    );
    expect(contentTypeOf({ accept: 'x', 'content-TYPE': 'text/plain' })).toBe(
      'text/plain',
    );
    expect(contentTypeOf({ Accept: 'application/json' })).toBeUndefined();
    expect(contentTypeOf({})).toBeUndefined();
  });
});
