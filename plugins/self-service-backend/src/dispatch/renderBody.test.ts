import type { RunInputs } from '@backstage-self-service/plugin-self-service-common';
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
    expect(render('{{data.x}} and {{data.y}}', { x: 1, y: '"' })).toBe(
      '1 and "',
    );
  });

  describe('a template meant as JSON is only ever rendered as JSON', () => {
    const injection = '", "admin": true, "x": "';

    it.each([
      [
        'an object',
        '{"name": "{{data.x}}", "role": "viewer"}',
        ['name', 'role'],
      ],
      ['an object with padding', '  \n {"name": "n-{{data.x}}"} ', ['name']],
      ['an array', '[{"name": "{{data.x}}"}]', ['name']],
    ])('keeps the keys of %s whatever the value', (_what, template, keys) => {
      const body = JSON.parse(render(template, { x: injection })!);
      const object = Array.isArray(body) ? body[0] : body;
      expect(Object.keys(object)).toEqual(keys);
      expect(JSON.stringify(body)).toContain(
        JSON.stringify(injection).slice(1, -1),
      );
      expect(object.admin).toBeUndefined();
    });

    it('renders a JSON string template as one string', () => {
      const body = render('"deploy {{data.x}}"', { x: injection });
      expect(JSON.parse(body!)).toBe(`deploy ${injection}`);
    });

    it('encodes a lone variable as a JSON value when the content type is JSON', () => {
      const contentType = 'application/vnd.api+json; charset=utf-8';
      expect(render('{{data.x}}', { x: injection }, contentType)).toBe(
        JSON.stringify(injection),
      );
      expect(render(' {{data.x}} ', { x: 3 }, 'Application/JSON')).toBe('3');
    });

    it.each([
      ['a trailing comma', '{"name": "{{data.x}}",}', undefined],
      [
        'text after the document',
        '{"name": "{{data.x}}"} {{data.x}}',
        undefined,
      ],
      ['text before the document', '{{data.x}} {"name": 1}', undefined],
      ['text under a JSON content type', 'name={{data.x}}', 'application/json'],
      ['two variables as one value', '{"a": {{data.x}}{{data.x}}}', undefined],
    ])(
      'refuses %s instead of substituting text',
      (_what, template, contentType) => {
        expect(() => render(template, { x: injection }, contentType)).toThrow(
          /^request\.body: a JSON body must be valid JSON/,
        );
      },
    );

    it('says where the template is broken, in its own terms', () => {
      expect(() =>
        render('{\n  "a": {{data.x}} 1,\n  "b": "{{data.x}}"\n}', { x: 1 }),
      ).toThrow(
        "request.body: a JSON body must be valid JSON, with each variable a whole value or inside a string: Expected ',' or '}' after property value at line 2, column 19 (near '1,')",
      );
      expect(() => render('{"a": "{{data.x}}"', { x: 1 })).toThrow(
        /at line 1, column 19 \(at the end\)$/,
      );
    });
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
