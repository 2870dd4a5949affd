/*
 * Which URLs from run events the page may turn into links or load. They come
 * from external systems (callbacks) and workflow authors, so a URL is only
 * used once the browser's own URL parser agrees on its scheme: that parser
 * drops leading spaces and control characters and removes tabs and newlines
 * anywhere, which is how `java\tscript:` or ` javascript:` would otherwise
 * slip past a check of the raw text.
 */

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const WEB_PROTOCOLS = new Set(['http:', 'https:']);

function parsedWith(
  url: string | undefined,
  protocols: Set<string>,
): URL | undefined {
  if (!url) {
    return undefined;
  }
  try {
    // No base: relative URLs are refused rather than resolved against the
    // app, so a message cannot point into it either.
    const parsed = new URL(url);
    return protocols.has(parsed.protocol) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The URL, normalised, if it is an absolute `http`, `https` or `mailto` URL;
 * else undefined. The normalised form is what the browser would follow, so
 * what was checked is what ends up in the `href`.
 */
export function safeLinkUrl(url: string | undefined): string | undefined {
  return parsedWith(url, LINK_PROTOCOLS)?.href;
}

/** The URL, normalised, if it is an absolute `http` or `https` URL. */
export function webUrl(url: string | undefined): string | undefined {
  return parsedWith(url, WEB_PROTOCOLS)?.href;
}

/**
 * Whether an image at this URL may be loaded in the viewer's browser: only
 * from an `http` or `https` host an admin listed. An entry with a port
 * (`images.example.com:8443`) matches that port only; one without matches
 * the host on any port. Names compare case-insensitively, with no wildcards.
 */
export function isAllowedImageHost(
  url: string,
  allowedHosts: readonly string[],
): boolean {
  const parsed = parsedWith(url, WEB_PROTOCOLS);
  if (!parsed) {
    return false;
  }
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  const hostWithPort = `${parsed.hostname}:${port}`;
  return allowedHosts.some(entry => {
    const allowed = entry.trim().toLowerCase();
    return allowed === parsed.hostname || allowed === hostWithPort;
  });
}
