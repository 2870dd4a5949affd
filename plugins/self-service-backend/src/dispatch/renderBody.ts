import { Placeholder } from '../workflows/placeholders';
import { TemplateContext } from '../workflows/templateContext';
import { isJsonBodyTemplate, parseJsonBodyTemplate } from './jsonBody';
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
 * A template meant as JSON (its content type is JSON, or it starts with
 * `{`, `[` or `"`) is parsed once with a marker in place of each variable,
 * which fixes its structure, then filled in as a value and serialised once:
 * a string that is exactly one variable, quoted or bare, takes the value
 * with its type, and variables within longer strings are substituted inside
 * that string, so no value can change the JSON structure. Such a template
 * is never rendered as text: one that does not parse is refused.
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

  if (isJsonBodyTemplate(template, placeholders, contentType)) {
    const { document, markers } = parseJsonBodyTemplate(template, placeholders);
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
    // Keys hold no markers: parseJsonBodyTemplate refuses them.
    return Object.fromEntries(
      Object.entries(node).map(([key, item]) => [
        key,
        fillJson(item, markers, value),
      ]),
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
