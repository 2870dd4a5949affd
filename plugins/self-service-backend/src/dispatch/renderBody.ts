import { InputError } from '@backstage/errors';
import { Placeholder } from '../workflows/placeholders';
import { TemplateContext } from '../workflows/templateContext';
import {
  PlaceholderMarkers,
  placeholdersOf,
  renderText,
  resolveVariable,
} from './templateValues';

const FIELD = 'request.body';

/**
 * Renders a body template.
 *
 * A template that is a JSON object or array (once each variable stands in
 * for a string) is built as a value and serialised once: a string that is
 * exactly one variable, quoted or bare, takes the value with its type, and
 * variables within longer strings are substituted as text, so no value can
 * change the JSON structure. Variables in object keys are refused.
 *
 * Any other template is rendered as text; values are form-encoded when the
 * content type is `application/x-www-form-urlencoded`.
 */
export function renderBody(
  template: string | undefined,
  context: TemplateContext,
  contentType?: string,
): string | undefined {
  if (template === undefined) {
    return undefined;
  }
  const placeholders = placeholdersOf(template, FIELD);
  if (placeholders.length === 0) {
    return template;
  }

  const markers = new PlaceholderMarkers(template, placeholders);
  const document = parseJsonTemplate(template, markers);
  if (document !== undefined) {
    const value = (placeholder: Placeholder) =>
      resolveVariable(context, placeholder.name, FIELD);
    return JSON.stringify(fillJson(document, markers, value));
  }

  return renderText(
    template,
    context,
    FIELD,
    isFormEncoded(contentType) ? encodeURIComponent : undefined,
  );
}

/**
 * The template parsed as a JSON object or array, with a marker string in
 * place of every variable (inside a string the bare marker, elsewhere a
 * quoted one), or undefined if it is not such a document.
 */
function parseJsonTemplate(
  template: string,
  markers: PlaceholderMarkers,
): object | undefined {
  const inString = stringPositions(template);
  const marked = markers.mark(template, (marker, placeholder) =>
    inString(placeholder.index) ? marker : `"${marker}"`,
  );
  try {
    const parsed: unknown = JSON.parse(marked);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
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

function fillJson(
  node: unknown,
  markers: PlaceholderMarkers,
  value: (placeholder: Placeholder) => string | number | boolean,
): unknown {
  if (typeof node === 'string') {
    const only = markers.exact(node);
    if (only) {
      return value(only);
    }
    return markers.replace(node, p => String(value(p)));
  }
  if (Array.isArray(node)) {
    return node.map(item => fillJson(item, markers, value));
  }
  if (typeof node === 'object' && node !== null) {
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries(
      Object.entries(node).map(([key, item]) => {
        if (markers.has(key)) {
          throw new InputError(
            `${FIELD}: variables are not allowed in JSON object keys`,
          );
        }
        return [key, fillJson(item, markers, value)];
      }),
    );
  }
  return node;
}

function isFormEncoded(contentType: string | undefined): boolean {
  return (
    contentType?.split(';')[0].trim().toLocaleLowerCase('en-US') ===
    'application/x-www-form-urlencoded'
  );
}
