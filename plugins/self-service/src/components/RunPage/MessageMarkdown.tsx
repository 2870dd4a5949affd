import { ReactNode, createContext, useContext } from 'react';
import ReactMarkdown from 'react-markdown';
import { makeStyles } from '@material-ui/core';
import { CodeSnippet } from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { ExternalLink } from './ExternalLink';
import { isAllowedImageHost, safeLinkUrl, webUrl } from './safeUrl';

/** Where admins list the hosts that images in messages may load from. */
export const ALLOWED_IMAGE_HOSTS_CONFIG_KEY =
  'selfService.markdown.allowedImageHosts';

const useStyles = makeStyles({
  markdown: {
    '& img': {
      maxWidth: '100%',
    },
  },
});

// Set inside a link, so that an image there shows as text instead of a
// second link nested in the first.
const InsideLink = createContext(false);

function MarkdownLink(props: {
  href?: string;
  title?: string;
  children?: ReactNode;
}) {
  return (
    <InsideLink.Provider value>
      <ExternalLink href={props.href} title={props.title}>
        {props.children}
      </ExternalLink>
    </InsideLink.Provider>
  );
}

function useAllowedImageHosts(): string[] {
  return (
    useApi(configApiRef).getOptionalStringArray(
      ALLOWED_IMAGE_HOSTS_CONFIG_KEY,
    ) ?? []
  );
}

/**
 * An image loads in the browser of everyone who opens the run, which tells
 * its host who looked and when; so it is only loaded from hosts an admin
 * allows, and is otherwise a link to the image.
 */
function MarkdownImage(props: { src?: string; alt?: string; title?: string }) {
  const { alt, title } = props;
  const allowedHosts = useAllowedImageHosts();
  const insideLink = useContext(InsideLink);
  const src = webUrl(props.src);
  if (src && isAllowedImageHost(src, allowedHosts)) {
    return (
      <img
        src={src}
        alt={alt ?? ''}
        title={title}
        referrerPolicy="no-referrer"
      />
    );
  }
  const text = `Image: ${alt || src || 'no description'}`;
  if (!src || insideLink) {
    return <>{text}</>;
  }
  return (
    <ExternalLink href={src} title={title}>
      {text}
    </ExternalLink>
  );
}

function MarkdownCode(props: {
  inline?: boolean;
  className?: string;
  children?: ReactNode;
}) {
  const { inline, className, children } = props;
  const language = /language-(\w+)/.exec(className ?? '')?.[1];
  if (!inline && language) {
    return (
      <CodeSnippet
        language={language}
        text={String(children).replace(/\n+$/, '')}
      />
    );
  }
  return <code className={className}>{children}</code>;
}

const components = {
  a: MarkdownLink,
  img: MarkdownImage,
  code: MarkdownCode,
};

// The renderer hands over every link and image source here before the
// components above see them; an unsafe one becomes empty, so even an element
// without a component of its own never gets it.
const linkUrlOrNothing = (url: string) => safeLinkUrl(url) ?? '';
const imageUrlOrNothing = (url: string) => webUrl(url) ?? '';

/**
 * The markdown of a run message, which an external system wrote: CommonMark
 * without raw HTML (tags show as text), links only to `http`, `https` and
 * `mailto` URLs (others show as their text), and images as links unless
 * their host is in `selfService.markdown.allowedImageHosts`.
 *
 * It renders react-markdown itself rather than Backstage's MarkdownContent:
 * that one passes whatever link react-markdown leaves to Backstage's Link,
 * which throws on the `javascript:void(0)` react-markdown puts in place of
 * unsafe links, and it cannot be told how to render images.
 */
export function MessageMarkdown(props: { markdown: string }) {
  const classes = useStyles();
  return (
    <ReactMarkdown
      className={classes.markdown}
      components={components}
      transformLinkUri={linkUrlOrNothing}
      transformImageUri={imageUrlOrNothing}
    >
      {props.markdown}
    </ReactMarkdown>
  );
}
