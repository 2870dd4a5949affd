/**
 * `{{name.path}}` placeholders of workflow requests: only dotted names, no
 * expressions, so rendering can never evaluate anything.
 */
export const PLACEHOLDER_PATTERN =
  /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}/g;

/** A placeholder found in a template. */
export interface Placeholder {
  /** The text as written, for example `{{ data.region }}`. */
  raw: string;
  /** The dotted name, for example `data.region`. */
  name: string;
  /** Where it starts in the template. */
  index: number;
}

/** Every placeholder of a template, in order. */
export function findPlaceholders(template: string): Placeholder[] {
  return [...template.matchAll(PLACEHOLDER_PATTERN)].map(match => ({
    raw: match[0],
    name: match[1],
    index: match.index ?? 0,
  }));
}

/**
 * The text of a template outside its placeholders (as found by
 * {@link findPlaceholders}, in order), each placeholder replaced by `filler`.
 */
export function textOutside(
  template: string,
  placeholders: ReadonlyArray<Placeholder>,
  filler = '',
): string {
  let outside = '';
  let position = 0;
  for (const placeholder of placeholders) {
    outside += template.slice(position, placeholder.index) + filler;
    position = placeholder.index + placeholder.raw.length;
  }
  return outside + template.slice(position);
}

/**
 * `{{` ... `}}` spans that are not valid placeholders (for example
 * `{{data.x + 1}}` or `{{}}`), so validation can name them instead of
 * sending them literally.
 */
export function findMalformedPlaceholders(template: string): string[] {
  const valid = new Set(findPlaceholders(template).map(p => p.index));
  const malformed: string[] = [];
  for (const match of template.matchAll(/\{\{.*?\}\}/g)) {
    if (!valid.has(match.index ?? -1)) {
      malformed.push(match[0]);
    }
  }
  return malformed;
}
