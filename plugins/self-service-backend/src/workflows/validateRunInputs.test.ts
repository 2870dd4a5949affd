import { InputError } from '@backstage/errors';
import type { WorkflowParameter } from '@backstage-self-service/plugin-self-service-common';
import { validateRunInputs } from './validateRunInputs';

const parameters: WorkflowParameter[] = [
  {
    identifier: 'region',
    name: 'Region',
    type: 'select',
    required: true,
    options: ['eu', 'us'],
  },
  { identifier: 'name', name: 'Name', type: 'string', required: false },
  {
    identifier: 'count',
    name: 'Count',
    type: 'integer',
    required: false,
    default: 1,
  },
  { identifier: 'ratio', name: 'Ratio', type: 'float', required: false },
  {
    identifier: 'dry_run',
    name: 'Dry run',
    type: 'boolean',
    required: false,
    default: true,
  },
];

function only(parameter: Partial<WorkflowParameter>): WorkflowParameter[] {
  return [
    {
      identifier: 'value',
      name: 'Value',
      type: 'string',
      required: true,
      ...parameter,
    },
  ];
}

describe('validateRunInputs', () => {
  it('returns typed values and fills defaults', () => {
    expect(
      validateRunInputs(parameters, {
        region: 'us',
        name: 'payments',
        ratio: 0.25,
      }),
    ).toEqual({
      region: 'us',
      name: 'payments',
      count: 1,
      ratio: 0.25,
      dry_run: true,
    });
  });

  it('converts the strings forms send', () => {
    expect(
      validateRunInputs(parameters, {
        region: 'eu',
        name: '',
        count: '42',
        ratio: ' -1.5e2 ',
        dry_run: 'false',
      }),
    ).toEqual({ region: 'eu', count: 42, ratio: -150, dry_run: false });
  });

  it('leaves out optional parameters without a value or default', () => {
    const result = validateRunInputs(parameters, {
      region: 'eu',
      name: null,
      ratio: '',
    });
    expect(result).toEqual({ region: 'eu', count: 1, dry_run: true });
    expect(result).not.toHaveProperty('name');
    expect(result).not.toHaveProperty('ratio');
  });

  it('treats undefined and null as no inputs', () => {
    expect(validateRunInputs([], undefined)).toEqual({});
    expect(validateRunInputs([], null)).toEqual({});
    expect(validateRunInputs(parameters.slice(1), undefined)).toEqual({
      count: 1,
      dry_run: true,
    });
  });

  it('keeps strings as given and accepts false for a required boolean', () => {
    expect(
      validateRunInputs(only({ type: 'string' }), { value: '  padded  ' }),
    ).toEqual({ value: '  padded  ' });
    expect(
      validateRunInputs(only({ type: 'boolean' }), { value: false }),
    ).toEqual({ value: false });
    expect(
      validateRunInputs(only({ type: 'boolean' }), { value: 'TRUE' }),
    ).toEqual({ value: true });
    expect(validateRunInputs(only({ type: 'integer' }), { value: 0 })).toEqual({
      value: 0,
    });
    expect(
      validateRunInputs(only({ type: 'integer' }), { value: '-7' }),
    ).toEqual({ value: -7 });
    expect(validateRunInputs(only({ type: 'float' }), { value: 3 })).toEqual({
      value: 3,
    });
    expect(validateRunInputs(only({ type: 'float' }), { value: '.5' })).toEqual(
      { value: 0.5 },
    );
  });

  it('defines values as own properties only', () => {
    const result = validateRunInputs(
      only({ identifier: 'constructor', type: 'string' }),
      { constructor: 'x' },
    );
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result).toEqual({ constructor: 'x' });
  });

  it('throws InputError', () => {
    expect(() => validateRunInputs(parameters, 'x')).toThrow(InputError);
  });

  it.each<[string, unknown]>([
    ['a string', 'region=eu'],
    ['a number', 5],
    ['an array', [{ region: 'eu' }]],
    ['a boolean', true],
  ])('refuses %s as inputs', (_, input) => {
    expect(() => validateRunInputs(parameters, input)).toThrow(
      /^inputs: must be an object$/,
    );
  });

  it.each<[string, unknown, RegExp]>([
    [
      'an unknown key',
      { region: 'eu', foo: 1 },
      /^inputs\.foo: unknown parameter$/,
    ],
    [
      'a key differing in case',
      { region: 'eu', Name: 'x' },
      /^inputs\.Name: unknown parameter$/,
    ],
    [
      'an inherited key',
      JSON.parse('{"region": "eu", "__proto__": {"x": 1}}'),
      /^inputs\.__proto__: unknown parameter$/,
    ],
    ['a missing required parameter', {}, /^inputs\.region: required$/],
    [
      'a null required parameter',
      { region: null },
      /^inputs\.region: required$/,
    ],
    [
      'an empty required parameter',
      { region: '' },
      /^inputs\.region: required$/,
    ],
    [
      'a blank required parameter',
      { region: '  ' },
      /^inputs\.region: required$/,
    ],
    [
      'a select value outside the options',
      { region: 'ap' },
      /^inputs\.region: must be one of 'eu', 'us'/,
    ],
    ['a select value of another case', { region: 'EU' }, /^inputs\.region: /],
    ['a numeric select value', { region: 1 }, /^inputs\.region: /],
    [
      'a numeric string value',
      { region: 'eu', name: 5 },
      /^inputs\.name: must be a string/,
    ],
    [
      'an object string value',
      { region: 'eu', name: { a: 1 } },
      /^inputs\.name: /,
    ],
    [
      'a string over 10000 characters',
      { region: 'eu', name: 'x'.repeat(10001) },
      /^inputs\.name: /,
    ],
    ['a fractional integer', { region: 'eu', count: 3.5 }, /^inputs\.count: /],
    [
      'a fractional integer string',
      { region: 'eu', count: '3.5' },
      /^inputs\.count: /,
    ],
    ['a word as integer', { region: 'eu', count: 'abc' }, /^inputs\.count: /],
    [
      'an exponent as integer string',
      { region: 'eu', count: '1e3' },
      /^inputs\.count: /,
    ],
    [
      'a hex integer string',
      { region: 'eu', count: '0x10' },
      /^inputs\.count: /,
    ],
    ['an unsafe integer', { region: 'eu', count: 2 ** 53 }, /^inputs\.count: /],
    [
      'an unsafe integer string',
      { region: 'eu', count: '9007199254740993' },
      /^inputs\.count: /,
    ],
    ['a boolean as integer', { region: 'eu', count: true }, /^inputs\.count: /],
    ['a word as float', { region: 'eu', ratio: 'half' }, /^inputs\.ratio: /],
    [
      'Infinity as float',
      { region: 'eu', ratio: 'Infinity' },
      /^inputs\.ratio: /,
    ],
    ['NaN as float', { region: 'eu', ratio: NaN }, /^inputs\.ratio: /],
    [
      'an infinite float',
      { region: 'eu', ratio: Infinity },
      /^inputs\.ratio: must be a finite number, got Infinity$/,
    ],
    [
      'a float with trailing text',
      { region: 'eu', ratio: '1.5kg' },
      /^inputs\.ratio: /,
    ],
    ['an array as float', { region: 'eu', ratio: [1] }, /^inputs\.ratio: /],
    ['yes as boolean', { region: 'eu', dry_run: 'yes' }, /^inputs\.dry_run: /],
    ['1 as boolean', { region: 'eu', dry_run: 1 }, /^inputs\.dry_run: /],
  ])('refuses %s', (_, input, message) => {
    expect(() => validateRunInputs(parameters, input)).toThrow(message);
  });

  it('fills a missing required parameter from its default', () => {
    expect(
      validateRunInputs(only({ type: 'integer', required: true, default: 3 }), {
        value: '',
      }),
    ).toEqual({ value: 3 });
    expect(() =>
      validateRunInputs(only({ type: 'integer', required: true }), {}),
    ).toThrow(/^inputs\.value: required$/);
  });

  it('keeps error messages short for huge values', () => {
    expect(() =>
      validateRunInputs(only({ type: 'integer' }), { value: 'x'.repeat(5000) }),
    ).toThrow(/^inputs\.value: .{0,200}$/);
  });
});
