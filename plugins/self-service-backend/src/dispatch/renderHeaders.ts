import { InputError } from '@backstage/errors';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { findPlaceholders } from '../workflows/placeholders';
import { TemplateContext } from '../workflows/templateContext';
import { renderText } from './templateValues';

/**
 * Renders header templates: names are fixed by the template, values are
 * rendered as text and refused if they could end the header (CR, LF, NUL) or
 * hold anything else Node would not send.
 */
export function renderHeaders(
  templates: Readonly<Record<string, string>> | undefined,
  context: TemplateContext,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(templates ?? {}).map(([name, template]) => {
      const field = `request.headers.${name}`;
      if (findPlaceholders(name).length > 0 || name.includes('{{')) {
        throw new InputError(
          `${field}: variables are not allowed in header names`,
        );
      }
      try {
        validateHeaderName(name);
      } catch {
        throw new InputError(`${field}: not a valid header name`);
      }
      const value = renderText(template, context, field);
      if (/[\r\n\0]/.test(value)) {
        throw new InputError(
          `${field}: the value may not contain line breaks or NUL characters`,
        );
      }
      try {
        validateHeaderValue(name, value);
      } catch {
        throw new InputError(
          `${field}: the value holds characters that cannot be sent in a header`,
        );
      }
      return [name, value];
    }),
  );
}
