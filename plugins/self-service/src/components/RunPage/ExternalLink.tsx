import { ReactNode } from 'react';
import { Link } from '@backstage/core-components';
import { safeLinkUrl } from './safeUrl';

/**
 * A link to a URL that came from outside (a callback, a workflow), or just
 * its text when the URL is not `http`, `https` or `mailto`. Backstage's Link
 * throws on a `javascript:` URL, which would take the page down with it; here
 * such a URL never reaches it. Web links open in a new tab, without handing
 * the opener or a referrer to the other site.
 */
export function ExternalLink(props: {
  href: string | undefined;
  title?: string;
  children: ReactNode;
}) {
  const { title, children } = props;
  const href = safeLinkUrl(props.href);
  if (!href) {
    return <>{children}</>;
  }
  const opensInNewTab = !href.startsWith('mailto:');
  return (
    <Link
      to={href}
      title={title}
      {...(opensInNewTab
        ? { target: '_blank', rel: 'noopener noreferrer' }
        : undefined)}
    >
      {children}
    </Link>
  );
}
