import { findPlaceholders, textOutside } from './placeholders';

describe('textOutside', () => {
  const outside = (template: string, filler?: string) =>
    textOutside(template, findPlaceholders(template), filler);

  it('is the text between, before and after the placeholders', () => {
    expect(outside('{"a": {{data.a}}, "b": "x{{ run.id }}y"}')).toBe(
      '{"a": , "b": "xy"}',
    );
    expect(outside('{{data.a}}{{data.b}}')).toBe('');
    expect(outside('no placeholders {{ here')).toBe('no placeholders {{ here');
    expect(outside('')).toBe('');
  });

  it('puts the filler where each placeholder was', () => {
    expect(outside('Bearer {{secrets.api}}', ' ')).toBe('Bearer  ');
    expect(outside('{{run.id}}:{{run.id}}', '_')).toBe('_:_');
    expect(outside('{{{data.a}}}', '_')).toBe('{_}');
  });
});
