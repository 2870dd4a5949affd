import { WorkflowParameter } from '@backstage-self-service/plugin-self-service-common';
import {
  initialValues,
  parseFieldError,
  toRunInputs,
  validateParameter,
} from './parameterValues';

function parameter(
  type: WorkflowParameter['type'],
  overrides: Partial<WorkflowParameter> = {},
): WorkflowParameter {
  return { identifier: 'p', name: 'P', type, required: false, ...overrides };
}

describe('parameterValues', () => {
  it.each([
    ['3', undefined],
    ['-12', undefined],
    [' 7 ', undefined],
    ['abc', 'Enter a whole number, for example 3.'],
    ['1.5', 'Enter a whole number, for example 3.'],
    ['1e3', 'Enter a whole number, for example 3.'],
    ['99999999999999999999', 'Enter a smaller number.'],
  ])('validates the integer %p', (value, error) => {
    expect(validateParameter(parameter('integer'), value)).toBe(error);
  });

  it.each([
    ['1.5', undefined],
    ['-.5', undefined],
    ['2e-3', undefined],
    ['10', undefined],
    ['abc', 'Enter a number, for example 1.5.'],
    ['1.2.3', 'Enter a number, for example 1.5.'],
    ['Infinity', 'Enter a number, for example 1.5.'],
    ['0x10', 'Enter a number, for example 1.5.'],
  ])('validates the float %p', (value, error) => {
    expect(validateParameter(parameter('float'), value)).toBe(error);
  });

  it('asks for required values and accepts empty optional ones', () => {
    expect(
      validateParameter(parameter('string', { required: true }), ' '),
    ).toBe('Enter a value.');
    expect(validateParameter(parameter('select', { required: true }), '')).toBe(
      'Choose an option.',
    );
    expect(validateParameter(parameter('integer'), '')).toBeUndefined();
    expect(
      validateParameter(parameter('boolean', { required: true }), false),
    ).toBeUndefined();
  });

  it('accepts only the options of a select', () => {
    const select = parameter('select', { options: ['a', 'b'] });
    expect(validateParameter(select, 'b')).toBeUndefined();
    expect(validateParameter(select, 'c')).toBe('Choose one of the options.');
  });

  it('starts from the defaults', () => {
    expect(
      initialValues([
        parameter('integer', { identifier: 'n', default: 2 }),
        parameter('boolean', { identifier: 'b', default: true }),
        parameter('boolean', { identifier: 'off' }),
        parameter('string', { identifier: 's' }),
      ]),
    ).toEqual({ n: '2', b: true, off: false, s: '' });
  });

  it('converts values to the types the backend takes', () => {
    const parameters = [
      parameter('integer', { identifier: 'n' }),
      parameter('float', { identifier: 'f' }),
      parameter('boolean', { identifier: 'b' }),
      parameter('string', { identifier: 's' }),
      parameter('select', { identifier: 'o' }),
      parameter('string', { identifier: 'empty' }),
    ];
    expect(
      toRunInputs(parameters, {
        n: ' 3 ',
        f: '0.5',
        b: true,
        s: ' keep spaces ',
        o: 'x',
        empty: '',
      }),
    ).toEqual({ n: 3, f: 0.5, b: true, s: ' keep spaces ', o: 'x' });
  });

  it('reads the field of a backend message', () => {
    expect(parseFieldError('inputs.replicas: must be a whole number')).toEqual({
      field: 'input',
      identifier: 'replicas',
      message: 'Must be a whole number.',
    });
    expect(parseFieldError('entityRef: no such entity')).toEqual({
      field: 'entityRef',
      message: 'No such entity.',
    });
    expect(parseFieldError('Workflow is disabled')).toBeUndefined();
  });
});
