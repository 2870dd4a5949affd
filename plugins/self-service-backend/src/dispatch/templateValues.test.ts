import { testContext } from './__testUtils__/testContext';
import {
  PlaceholderMarkers,
  placeholdersOf,
  renderText,
  resolveVariable,
} from './templateValues';
import { findPlaceholders } from '../workflows/placeholders';

describe('resolveVariable', () => {
  it('keeps the type of a value', () => {
    const context = testContext({ data: { replicas: 3, dryRun: false } });
    expect(resolveVariable(context, 'data.replicas', 'request.body')).toBe(3);
    expect(resolveVariable(context, 'data.dryRun', 'request.body')).toBe(false);
  });

  it('renders a missing entity.name as the empty string', () => {
    const context = testContext({ entity: undefined });
    expect(resolveVariable(context, 'entity.name', 'request.url')).toBe('');
  });

  it('refuses any other missing variable, naming the field', () => {
    const context = testContext({ entity: undefined });
    expect(() =>
      resolveVariable(context, 'entity.ref', 'request.headers.X-Entity'),
    ).toThrow('request.headers.X-Entity: unknown variable {{entity.ref}}');
    expect(() =>
      resolveVariable(context, 'data.missing', 'request.body'),
    ).toThrow(/^request\.body: unknown variable \{\{data\.missing\}\}$/);
  });
});

describe('placeholdersOf', () => {
  it('refuses expressions instead of sending them literally', () => {
    expect(() => placeholdersOf('{{data.x + 1}}', 'request.body')).toThrow(
      /^request\.body: \{\{data\.x \+ 1\}\} is not a valid variable/,
    );
  });
});

describe('renderText', () => {
  it('substitutes values as text, through an optional encoder', () => {
    const context = testContext({ data: { q: 'a b&c' } });
    expect(renderText('q={{ data.q }}!', context, 'request.body')).toBe(
      'q=a b&c!',
    );
    expect(
      renderText('q={{data.q}}', context, 'request.body', encodeURIComponent),
    ).toBe('q=a%20b%26c');
  });
});

describe('PlaceholderMarkers', () => {
  it('marks, finds and replaces placeholders without clashing with the template', () => {
    const template = 'a{{data.x}}b{{data.y}}c';
    const placeholders = findPlaceholders(template);
    const markers = new PlaceholderMarkers(template, placeholders);
    const marked = markers.mark(template);

    expect(marked).toMatch(/^a[a-z0-9]+b[a-z0-9]+c$/);
    expect(markers.has(marked)).toBe(true);
    expect(markers.has(template)).toBe(false);
    expect(markers.in(marked).map(p => p.name)).toEqual(['data.x', 'data.y']);
    expect(markers.exact(markers.marker(1))?.name).toBe('data.y');
    expect(markers.exact(`${markers.marker(1)} `)).toBeUndefined();
    expect(markers.replace(marked, p => `<${p.name}>`)).toBe(
      'a<data.x>b<data.y>c',
    );
  });

  it('picks other markers for a template that holds the usual ones', () => {
    const first = 'a{{data.x}}b';
    const usual = new PlaceholderMarkers(first, findPlaceholders(first));
    const usualMarker = usual.marker(0);
    // The template's own text holds the marker the process uses, upper-cased.
    const template = `${usualMarker.toUpperCase()}{{data.x}}`;
    const markers = new PlaceholderMarkers(
      template,
      findPlaceholders(template),
    );
    expect(markers.marker(0)).not.toBe(usualMarker);
    const marked = markers.mark(template);
    expect(markers.in(marked).map(p => p.name)).toEqual(['data.x']);
    expect(markers.replace(marked, () => 'V')).toBe(
      `${usualMarker.toUpperCase()}V`,
    );
    // Another template is marked as usual again.
    expect(
      new PlaceholderMarkers(first, findPlaceholders(first)).marker(0),
    ).toBe(usualMarker);
  });
});
