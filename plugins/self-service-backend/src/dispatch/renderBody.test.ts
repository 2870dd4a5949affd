import type { RunInputs } from '@internal/plugin-self-service-common';
import { testContext } from './__testUtils__/testContext';
import { renderBody } from './renderBody';

function render(template: string, data: RunInputs = {}, contentType?: string) {
  return renderBody(template, testContext({ data }), contentType);
}

describe('renderBody', () => {
  it('has no body without a template and keeps a template without variables', () => {
    expect(renderBody(undefined, testContext())).toBeUndefined();
    expect(render('{ "a" : 1 }')).toBe('{ "a" : 1 }');
  });

  it('keeps the type of a value that is a whole JSON value, quoted or bare', () => {
    const body = render(
      '{"replicas": {{data.replicas}}, "dryRun": "{{data.dryRun}}", "name": "{{data.name}}", "list": [{{data.replicas}}]}',
      { replicas: 3, dryRun: false, name: 'api' },
    );
    expect(body).toBe('{"replicas":3,"dryRun":false,"name":"api","list":[3]}');
  });

  it('substitutes text in strings that mix text and variables', () => {
    expect(render('{"name": "prefix-{{data.x}}-{{run.id}}"}', { x: 7 })).toBe(
      '{"name":"prefix-7-run-123"}',
    );
  });

  it.each([
    ['", "admin": true, "x": "'],
    ['}'],
    ['"}, {"admin": true'],
    ['\\'],
    ['{{data.other}}'],
  ])('keeps %j a string inside the JSON structure', value => {
    const body = render('{"name": "{{data.x}}", "note": "n-{{data.x}}"}', {
      x: value,
      other: 'leak',
    });
    expect(JSON.parse(body!)).toEqual({ name: value, note: `n-${value}` });
  });

  it('keeps a bare string value a string', () => {
    const body = render('{"replicas": {{data.x}}}', { x: '1, "admin": true' });
    expect(JSON.parse(body!)).toEqual({ replicas: '1, "admin": true' });
  });

  it('refuses variables in object keys', () => {
    expect(() => render('{"{{data.x}}": 1}', { x: 'admin' })).toThrow(
      'request.body: variables are not allowed in JSON object keys',
    );
    expect(() => render('{ {{data.x}}: 1}', { x: 'admin' })).toThrow(
      'request.body: variables are not allowed in JSON object keys',
    );
  });

  it('keeps a "__proto__" key as data', () => {
    expect(render('{"__proto__": {"a": "{{data.x}}"}}', { x: 1 })).toBe(
      '{"__proto__":{"a":1}}',
    );
  });

  it('renders a template that is not JSON as text', () => {
    expect(render('name={{data.x}}\n', { x: 'a b&c' })).toBe('name=a b&c\n');
    expect(render('{{data.x}}', { x: 'plain' })).toBe('plain');
  });

  it('form-encodes values for application/x-www-form-urlencoded', () => {
    const body = render(
      'name={{data.x}}&mode=fast',
      { x: 'a b&admin=true' },
      'application/x-www-form-urlencoded; charset=utf-8',
    );
    expect(body).toBe('name=a%20b%26admin%3Dtrue&mode=fast');
    expect([...new URLSearchParams(body!).keys()]).toEqual(['name', 'mode']);
  });

  it('refuses an unknown variable', () => {
    expect(() => render('{"a": "{{data.nope}}"}')).toThrow(
      'request.body: unknown variable {{data.nope}}',
    );
    expect(() => render('text {{data.nope}}')).toThrow(
      'request.body: unknown variable {{data.nope}}',
    );
  });
});
