import { InputError } from '@backstage/errors';
import { testContext } from './__testUtils__/testContext';
import { renderUrl } from './renderUrl';

const context = testContext({
  data: { id: 'abc', region: 'eu west', count: 3 },
});

function render(template: string, data: Record<string, string | number> = {}) {
  return renderUrl(template, {
    ...context,
    data: { ...context.data, ...data },
  });
}

describe('renderUrl', () => {
  it('fills path segments, query values and the fragment', () => {
    expect(
      render(
        'https://api.example.com/runs/{{data.id}}/v{{data.count}}?region={{data.region}}&fixed=1#{{run.id}}',
      ),
    ).toBe(
      'https://api.example.com/runs/abc/v3?region=eu+west&fixed=1#run-123',
    );
  });

  it('leaves a template without variables as the URL parser reads it', () => {
    expect(render('https://api.example.com/a?b=%20c')).toBe(
      'https://api.example.com/a?b=%20c',
    );
  });

  it.each([
    ['../admin'],
    ['..'],
    ['.'],
    ['%2e%2e'],
    ['%2E%2e%2fadmin'],
    ['..\\admin'],
    ['%252e%252e'],
  ])('refuses the path value %j, which could climb the path', value => {
    expect(() =>
      render('https://api.example.com/runs/{{data.id}}/cancel', { id: value }),
    ).toThrow(/^request\.url: the value of \{\{data\.id\}\} may not make/);
  });

  it('refuses a value that would make "." or ".." together with the template text', () => {
    expect(() =>
      render('https://api.example.com/runs/.{{data.id}}/cancel', { id: '.' }),
    ).toThrow(InputError);
    expect(() =>
      render('https://api.example.com/runs/%2e{{data.id}}/cancel', { id: '.' }),
    ).toThrow(InputError);
  });

  it('refuses a value that would leave a path segment empty', () => {
    expect(() =>
      render('https://api.example.com/runs/{{data.id}}/cancel', { id: '' }),
    ).toThrow(
      'request.url: the value of {{data.id}} may not leave a path segment empty',
    );
  });

  it('keeps a slash in a value inside its segment', () => {
    const url = render('https://api.example.com/repos/{{data.id}}/deploy', {
      id: 'a/b',
    });
    expect(url).toBe('https://api.example.com/repos/a%2Fb/deploy');
    expect(new URL(url).pathname.split('/')).toHaveLength(4);
  });

  it('percent-encodes characters that mean something in a URL', () => {
    expect(
      render('https://api.example.com/x/{{data.id}}', { id: 'a?b#c d%' }),
    ).toBe('https://api.example.com/x/a%3Fb%23c%20d%25');
  });

  it('keeps a query value from adding parameters', () => {
    const url = render('https://api.example.com/x?name={{data.id}}&user=me', {
      id: 'x&admin=true',
    });
    const query = new URL(url).searchParams;
    expect([...query.keys()]).toEqual(['name', 'user']);
    expect(query.get('name')).toBe('x&admin=true');
    expect(query.get('admin')).toBeNull();
  });

  it('keeps literal text around a query variable', () => {
    const url = render('https://api.example.com/x?q=env:{{data.id}}+x', {
      id: 'p+q',
    });
    expect(new URL(url).searchParams.get('q')).toBe('env:p+q x');
  });

  it('refuses variables in query parameter names', () => {
    expect(() => render('https://api.example.com/x?{{data.id}}=1')).toThrow(
      'request.url: variables are not allowed in query parameter names',
    );
    expect(() => render('https://api.example.com/x?{{data.id}}')).toThrow(
      InputError,
    );
  });

  it.each([
    ['{{run.callbackUrl}}'],
    ['{{data.id}}://api.example.com/x'],
    ['https://{{data.id}}/x'],
    ['https://api.{{data.id}}.example.com/x'],
    ['https://api.example.com:{{data.count}}/x'],
    ['https://{{secrets.DEPLOY_TOKEN}}@api.example.com/x'],
    ['https://user:{{secrets.DEPLOY_TOKEN}}@api.example.com/x'],
    ['https:\\\\{{data.id}}/x'],
  ])('refuses variables in the scheme or host: %s', template => {
    expect(() => render(template)).toThrow(
      'request.url: variables are not allowed in the scheme or host',
    );
  });

  it('refuses URLs that are not absolute http(s) URLs', () => {
    expect(() => render('/relative/{{data.id}}')).toThrow(
      /^request\.url: .* is not a valid absolute URL/,
    );
    expect(() => render('ftp://files.example.com/{{data.id}}')).toThrow(
      'request.url: only http and https URLs can be called',
    );
  });

  it('refuses an unknown variable', () => {
    expect(() => render('https://api.example.com/{{data.nope}}')).toThrow(
      'request.url: unknown variable {{data.nope}}',
    );
  });
});
