import { InputError } from '@backstage/errors';
import { type Placeholder, textOutside } from '../workflows/placeholders';
import { PlaceholderMarkers } from './templateValues';

const FIELD = 'request.body';

/** The value of a `Content-Type` header, whatever the case of its name. */
export function contentTypeOf(
  headers: Readonly<Record<string, string>>,
): string | undefined {
  return Object.entries(headers).find(
    ([name]) => name.toLocaleLowerCase('en-US') === 'content-type',
  )?.[1];
}

/**
 * `application/json`, `text/json` and every `+json` type, such as
 * `application/vnd.api+json`.
 */
function isJsonContentType(contentType: string | undefined): boolean {
  const mediaType = contentType
    ?.split(';')[0]
    .trim()
    .toLocaleLowerCase('en-US');
  return (
    mediaType !== undefined &&
    (mediaType === 'application/json' ||
      mediaType === 'text/json' ||
      /^[\w.+-]+\/[\w.+-]+\+json$/.test(mediaType))
  );
}

/**
 * Whether a body template is meant as JSON: its content type says so, or
 * its text outside the placeholders starts with `{`, `[` or `"`. Such a
 * template is only ever rendered as a JSON value, never as text, so no
 * value can change its structure; one that does not parse is refused.
 */
export function isJsonBodyTemplate(
  template: string,
  placeholders: ReadonlyArray<Placeholder>,
  contentType: string | undefined,
): boolean {
  if (isJsonContentType(contentType)) {
    return true;
  }
  return /^\s*["[{]/.test(textOutside(template, placeholders));
}

/**
 * A JSON body template parsed with a marker in place of every placeholder:
 * inside a string the bare marker, elsewhere a quoted one, so that a
 * placeholder can stand for a whole value or for part of a string, and
 * nothing else. Placeholders in object keys are refused.
 *
 * @throws InputError naming `field` (by default `request.body`) when the
 * template is not JSON.
 */
export function parseJsonBodyTemplate(
  template: string,
  placeholders: ReadonlyArray<Placeholder>,
  field: string = FIELD,
): { document: unknown; markers: PlaceholderMarkers } {
  const markers = new PlaceholderMarkers(template, placeholders);
  const inString = stringPositions(template);
  const quoted = placeholders.map(p => !inString(p.index));
  const marked = markers.mark(template, (marker, placeholder) =>
    inString(placeholder.index) ? marker : `"${marker}"`,
  );
  let document: unknown;
  try {
    document = JSON.parse(marked);
  } catch (error) {
    throw new InputError(
      `${field}: a JSON body must be valid JSON, with each variable a whole value or inside a string: ${describeSyntaxError(
        (error as Error).message,
        template,
        placeholders,
        markers,
        quoted,
      )}`,
    );
  }
  checkKeys(document, markers, field);
  return { document, markers };
}

/**
 * The parser's complaint about the marked text, told about the template:
 * its position mapped back, markers shown as the placeholders they stand for.
 */
function describeSyntaxError(
  message: string,
  template: string,
  placeholders: ReadonlyArray<Placeholder>,
  markers: PlaceholderMarkers,
  quoted: ReadonlyArray<boolean>,
): string {
  const at = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (!at) {
    return markers
      .replace(message, placeholder => placeholder.raw)
      .replace(/ssph[0-9a-f]*(?:n\d*x?)?/g, '…');
  }
  // Walk the template and the marked text side by side.
  const target = Number(at[2]);
  let marked = 0;
  let position = 0;
  let found: number | undefined;
  placeholders.forEach((placeholder, i) => {
    if (found !== undefined) {
      return;
    }
    const literal = placeholder.index - position;
    if (target < marked + literal) {
      found = position + (target - marked);
      return;
    }
    marked += literal;
    const width = markers.marker(i).length + (quoted[i] ? 2 : 0);
    if (target < marked + width) {
      found = placeholder.index;
      return;
    }
    marked += width;
    position = placeholder.index + placeholder.raw.length;
  });
  const index = Math.min(
    found ?? position + (target - marked),
    template.length,
  );
  const before = template.slice(0, index).split('\n');
  const near = template.slice(index, index + 20).split('\n')[0];
  return `${at[1]} at line ${before.length}, column ${
    before[before.length - 1].length + 1
  }${near ? ` (near '${near}')` : ' (at the end)'}`;
}

function checkKeys(
  node: unknown,
  markers: PlaceholderMarkers,
  field: string,
): void {
  if (Array.isArray(node)) {
    node.forEach(item => checkKeys(item, markers, field));
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, item] of Object.entries(node)) {
      if (markers.has(key)) {
        throw new InputError(
          `${field}: variables are not allowed in JSON object keys`,
        );
      }
      checkKeys(item, markers, field);
    }
  }
}

/** Tells whether a position of a JSON text lies inside a string. */
function stringPositions(text: string): (index: number) => boolean {
  const inside = new Array<boolean>(text.length).fill(false);
  let open = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (!open) {
      open = char === '"';
      continue;
    }
    inside[i] = true;
    if (char === '\\') {
      i++;
      if (i < text.length) {
        inside[i] = true;
      }
    } else if (char === '"') {
      inside[i] = false;
      open = false;
    }
  }
  return index => inside[index] ?? false;
}
