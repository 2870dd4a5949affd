import { testContext } from './__testUtils__/testContext';
import { renderHeaders } from './renderHeaders';

function render(headers: Record<string, string>, value: string = 'ok') {
  return renderHeaders(headers, testContext({ data: { value } }));
}

describe('renderHeaders', () => {
  it('renders values and keeps names as written', () => {
    expect(
      render({
        Authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}',
        'X-Run': '{{run.id}}/{{data.value}}',
      }),
    ).toEqual({
      Authorization: 'Bearer deploy-secret-xyz',
      'X-Run': 'run-123/ok',
    });
    expect(renderHeaders(undefined, testContext())).toEqual({});
  });

  it.each([['ok\r\nX-Evil: 1'], ['ok\nX-Evil: 1'], ['ok\rX'], ['ok\0']])(
    'refuses a value %j that could add a header',
    value => {
      expect(() => render({ 'X-Name': '{{data.value}}' }, value)).toThrow(
        'request.headers.X-Name: the value may not contain line breaks or NUL characters',
      );
    },
  );

  it('refuses values Node would not send', () => {
    expect(() => render({ 'X-Name': '{{data.value}}' }, 'snow ☃')).toThrow(
      /^request\.headers\.X-Name: the value holds characters/,
    );
  });

  it('refuses variables in names and invalid names', () => {
    expect(() => render({ 'X-{{data.value}}': '1' })).toThrow(
      'request.headers.X-{{data.value}}: variables are not allowed in header names',
    );
    expect(() => render({ 'X Bad': '1' })).toThrow(
      'request.headers.X Bad: not a valid header name',
    );
  });

  it('names the header when a variable is unknown', () => {
    expect(() => render({ 'X-Name': '{{data.nope}}' })).toThrow(
      'request.headers.X-Name: unknown variable {{data.nope}}',
    );
  });
});
