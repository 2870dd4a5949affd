import { InputError } from '@backstage/errors';
import { randomBytes } from 'node:crypto';
import {
  findMalformedPlaceholders,
  findPlaceholders,
  Placeholder,
} from '../workflows/placeholders';
import { lookupVariable, TemplateContext } from '../workflows/templateContext';

/** What a placeholder can stand for. */
export type TemplateValue = string | number | boolean;

/** Variables that render as the empty string when the context has no value. */
const OPTIONAL_VARIABLES: ReadonlySet<string> = new Set(['entity.name']);

/**
 * The value of a placeholder, keeping its type. `field` names the part of the
 * request being rendered, for example `request.url`, and starts the message
 * of the `InputError` thrown for a variable the context does not have.
 */
export function resolveVariable(
  context: TemplateContext,
  name: string,
  field: string,
): TemplateValue {
  const value = lookupVariable(context, name);
  if (value !== undefined) {
    return value;
  }
  if (OPTIONAL_VARIABLES.has(name)) {
    return '';
  }
  throw new InputError(`${field}: unknown variable {{${name}}}`);
}

/**
 * The placeholders of a template. A `{{...}}` span that is not a valid
 * placeholder is refused rather than sent literally.
 */
export function placeholdersOf(template: string, field: string): Placeholder[] {
  const malformed = findMalformedPlaceholders(template);
  if (malformed.length > 0) {
    throw new InputError(
      `${field}: ${malformed[0]} is not a valid variable; only {{name.path}} is supported`,
    );
  }
  return findPlaceholders(template);
}

/**
 * A template rendered as plain text, each value passed through `encode`
 * (for example `encodeURIComponent`).
 */
export function renderText(
  template: string,
  context: TemplateContext,
  field: string,
  encode: (value: string) => string = value => value,
): string {
  const placeholders = placeholdersOf(template, field);
  let result = '';
  let position = 0;
  for (const placeholder of placeholders) {
    result += template.slice(position, placeholder.index);
    result += encode(String(resolveVariable(context, placeholder.name, field)));
    position = placeholder.index + placeholder.raw.length;
  }
  return result + template.slice(position);
}

interface MarkerPatterns {
  prefix: string;
  pattern: RegExp;
  exactPattern: RegExp;
}

/** A random prefix, so no value can guess it, with its patterns. */
function newMarkerPatterns(): MarkerPatterns {
  const prefix = `ssph${randomBytes(6).toString('hex')}n`;
  return {
    prefix,
    pattern: new RegExp(`${prefix}(\\d+)x`, 'g'),
    exactPattern: new RegExp(`^${prefix}(\\d+)x$`),
  };
}

const processMarkers = newMarkerPatterns();

/**
 * Unique stand-ins for the placeholders of one template: lower-case letters
 * and digits only, so URL and JSON parsers keep them as they are. A template
 * is parsed with markers in place of its placeholders, which fixes its
 * structure before any value is known; values then go into the parsed parts.
 */
export class PlaceholderMarkers {
  private readonly prefix: string;
  private readonly pattern: RegExp;
  private readonly exactPattern: RegExp;

  constructor(
    template: string,
    private readonly placeholders: ReadonlyArray<Placeholder>,
  ) {
    const lowerCase = template.toLocaleLowerCase('en-US');
    // This process's markers unless the template holds them: compiling a
    // marker's patterns anew for every request costs more than the render.
    let markers = processMarkers;
    while (lowerCase.includes(markers.prefix)) {
      markers = newMarkerPatterns();
    }
    this.prefix = markers.prefix;
    this.pattern = markers.pattern;
    this.exactPattern = markers.exactPattern;
  }

  /** The marker of the placeholder at `position` in the list. */
  marker(position: number): string {
    return `${this.prefix}${position}x`;
  }

  /**
   * The template with every placeholder replaced by `wrap(marker, ...)`, by
   * default the bare marker.
   */
  mark(
    template: string,
    wrap: (marker: string, placeholder: Placeholder) => string = marker =>
      marker,
  ): string {
    let result = '';
    let position = 0;
    this.placeholders.forEach((placeholder, i) => {
      result += template.slice(position, placeholder.index);
      result += wrap(this.marker(i), placeholder);
      position = placeholder.index + placeholder.raw.length;
    });
    return result + template.slice(position);
  }

  /** Whether the text holds at least one marker. */
  has(text: string): boolean {
    return text.includes(this.prefix);
  }

  /** The placeholders whose markers the text holds, in order. */
  in(text: string): Placeholder[] {
    return [...text.matchAll(this.pattern)].map(
      match => this.placeholders[Number(match[1])],
    );
  }

  /** The placeholder if the text is exactly one marker and nothing else. */
  exact(text: string): Placeholder | undefined {
    const match = this.exactPattern.exec(text);
    return match ? this.placeholders[Number(match[1])] : undefined;
  }

  /** The text with every marker replaced by `replace(placeholder)`. */
  replace(text: string, replace: (placeholder: Placeholder) => string): string {
    return text.replace(this.pattern, (_match, position: string) =>
      replace(this.placeholders[Number(position)]),
    );
  }
}

/** `{{a}}, {{b}}` for messages. */
export function describePlaceholders(
  placeholders: ReadonlyArray<Placeholder>,
): string {
  return [...new Set(placeholders.map(p => `{{${p.name}}}`))].join(', ');
}
