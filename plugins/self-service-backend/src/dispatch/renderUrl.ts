import { InputError } from '@backstage/errors';
import { TemplateContext } from '../workflows/templateContext';
import {
  describePlaceholders,
  PlaceholderMarkers,
  placeholdersOf,
  resolveVariable,
} from './templateValues';

const FIELD = 'request.url';

/**
 * Renders a URL template into structure, not text: the template is parsed
 * first (with markers in place of its variables), so the scheme, host, path
 * segments and query parameter names all come from the template. Values go
 * into path segments percent-encoded and into query parameter values through
 * `URLSearchParams`; variables in the scheme, credentials, host or port are
 * refused, as is any value that would add, remove or climb a path segment.
 */
export function renderUrl(template: string, context: TemplateContext): string {
  const placeholders = placeholdersOf(template, FIELD);
  const value = (name: string) => String(resolveVariable(context, name, FIELD));

  // Everything before the path: scheme, `//`, credentials, host and port.
  const authorityEnd = /^[^/?#]*(?:\/\/[^/?#\\]*)?/.exec(template)![0].length;
  if (placeholders.some(p => p.index < authorityEnd)) {
    throw new InputError(
      `${FIELD}: variables are not allowed in the scheme or host`,
    );
  }

  const markers = new PlaceholderMarkers(template, placeholders);
  let url: URL;
  try {
    url = new URL(markers.mark(template));
  } catch {
    throw new InputError(`${FIELD}: "${template}" is not a valid absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`${FIELD}: only http and https URLs can be called`);
  }
  if (
    [url.protocol, url.username, url.password, url.host].some(part =>
      markers.has(part),
    )
  ) {
    throw new InputError(
      `${FIELD}: variables are not allowed in the scheme or host`,
    );
  }

  const pathname = url.pathname
    .split('/')
    .map(segment =>
      markers.has(segment)
        ? renderPathSegment(segment, markers, value)
        : segment,
    )
    .join('/');
  url.pathname = pathname;
  if (url.pathname !== pathname) {
    throw new InputError(`${FIELD}: values may not change the path segments`);
  }

  if (markers.has(url.search)) {
    const parameters = url.search.slice(1).split('&');
    const search = parameters
      .map(parameter =>
        markers.has(parameter)
          ? renderQueryParameter(parameter, markers, value)
          : parameter,
      )
      .join('&');
    url.search = search;
    if (url.search.slice(1).split('&').length !== parameters.length) {
      throw new InputError(`${FIELD}: values changed the query parameters`);
    }
  }

  if (markers.has(url.hash)) {
    url.hash = markers.replace(url.hash, p =>
      encodeURIComponent(value(p.name)),
    );
  }

  return url.href;
}

function renderPathSegment(
  segment: string,
  markers: PlaceholderMarkers,
  value: (name: string) => string,
): string {
  const rendered = markers.replace(segment, p =>
    encodeURIComponent(value(p.name)),
  );
  const names = describePlaceholders(markers.in(segment));
  if (rendered === '') {
    throw new InputError(
      `${FIELD}: the value of ${names} may not leave a path segment empty`,
    );
  }
  if (climbsPath(rendered)) {
    throw new InputError(
      `${FIELD}: the value of ${names} may not make a path segment "." or ".."`,
    );
  }
  return rendered;
}

/**
 * Whether a path segment is, or after one or more rounds of percent-decoding
 * contains, a `.` or `..` segment. Servers and proxies that decode `%2F` or
 * decode twice would otherwise see `..%2Fadmin` or `%252e%252e` as a climb.
 */
function climbsPath(segment: string): boolean {
  let current = segment;
  for (let round = 0; round < 4; round++) {
    if (current.split(/[/\\]/).some(piece => piece === '.' || piece === '..')) {
      return true;
    }
    const decoded = current.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex) =>
      String.fromCharCode(parseInt(hex, 16)),
    );
    if (decoded === current) {
      return false;
    }
    current = decoded;
  }
  // Encoded more deeply than any honest value would be.
  return true;
}

function renderQueryParameter(
  parameter: string,
  markers: PlaceholderMarkers,
  value: (name: string) => string,
): string {
  const equals = parameter.indexOf('=');
  if (equals < 0 || markers.has(parameter.slice(0, equals))) {
    throw new InputError(
      `${FIELD}: variables are not allowed in query parameter names`,
    );
  }
  const [[name, valueTemplate]] = [...new URLSearchParams(parameter)];
  const rendered = markers.replace(valueTemplate, p => value(p.name));
  return new URLSearchParams([[name, rendered]]).toString();
}
