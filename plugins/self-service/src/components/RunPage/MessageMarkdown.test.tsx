import { screen } from '@testing-library/react';
import { configApiRef } from '@backstage/core-plugin-api';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { MessageMarkdown } from './MessageMarkdown';

// Built, so that linters do not take it for a script URL in the source.
const JS = ['javascript', 'alert(1)'].join(':');

async function renderMessage(markdown: string, allowedImageHosts?: string[]) {
  const config = mockApis.config({
    data: allowedImageHosts
      ? { selfService: { markdown: { allowedImageHosts } } }
      : {},
  });
  const { container } = await renderInTestApp(
    <TestApiProvider apis={[[configApiRef, config]]}>
      <div data-testid="message">
        <MessageMarkdown markdown={markdown} />
      </div>
    </TestApiProvider>,
  );
  return container;
}

/**
 * Hrefs the browser would run or render as a document: a check of the
 * attribute as the browser reads it, ignoring case, whitespace and control
 * characters anywhere in the scheme.
 */
function dangerousHrefs(container: HTMLElement): string[] {
  return (
    Array.from(container.querySelectorAll('a'))
      .flatMap(a => [a.getAttribute('href') ?? '', a.href])
      // eslint-disable-next-line no-control-regex
      .map(href => href.replace(/[\u0000-\u0020]/g, ''))
      .filter(href => /^(javascript|data|vbscript):/i.test(href))
  );
}

describe('MessageMarkdown', () => {
  it('renders markdown', async () => {
    await renderMessage('Deployed **payments** with `v1.2`.');
    expect(screen.getByText('payments').tagName).toBe('STRONG');
    expect(screen.getByText('v1.2').tagName).toBe('CODE');
  });

  it.each([
    ['inline', `[click here](${JS})`, ''],
    ['with leading spaces', `[click here](   ${JS})`, ''],
    ['in mixed case', '[click here](JaVaScRiPt:alert(1))', ''],
    ['with an encoded tab', '[click here](java&#x09;script:alert(1))', ''],
    ['with an encoded newline', '[click here](java&#10;script:alert(1))', ''],
    ['with encoded letters', '[click here](&#106;avascript:alert(1))', ''],
    ['with a colon entity', '[click here](javascript&colon;alert(1))', ''],
    ['percent-encoded', '[click here](javascript%3Aalert(1))', ''],
    ['as a reference', '[click here][r]', `[r]: ${JS}`],
    ['as a reference with spaces', '[click here][r]', `[r]:    ${JS}`],
    ['as a collapsed reference', '[click here][]', `[click here]: ${JS}`],
    ['to data', '[click here](data:text/html,<script>alert(1)</script>)', ''],
    ['to base64 data', '[click here](data:text/html;base64,PHNjcmlwdD4=)', ''],
    ['to vbscript', '[click here](vbscript:msgbox(1))', ''],
    ['relative', '[click here](/catalog)', ''],
  ])('shows a link %s as its text', async (_form, link, definition) => {
    const container = await renderMessage(
      [`Before ${link} after`, definition].filter(Boolean).join('\n\n'),
    );

    expect(screen.getByTestId('message')).toHaveTextContent(
      /^Before click here after$/,
    );
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
    expect(dangerousHrefs(container)).toEqual([]);
  });

  it.each([
    ['an autolink', `<${JS}>`],
    ['a vbscript autolink', '<vbscript:msgbox(1)>'],
    ['a data autolink', '<data:text/html,hi>'],
  ])('shows %s as text', async (_form, markdown) => {
    const container = await renderMessage(`Before ${markdown} after`);

    expect(screen.getByTestId('message')).toHaveTextContent(
      /^Before .+ after$/,
    );
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
    expect(dangerousHrefs(container)).toEqual([]);
  });

  it('shows raw HTML as text, not as elements', async () => {
    const container = await renderMessage(
      [
        '<img src=x onerror=alert(1)>',
        '',
        `Inline <a href="${JS}">a link</a> and <svg onload=alert(1)>`,
      ].join('\n'),
    );

    expect(screen.getByTestId('message')).toHaveTextContent(
      '<img src=x onerror=alert(1)>',
    );
    expect(container.querySelector('img, svg, [onerror], [onload]')).toBeNull();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });

  it('keeps http, https and mailto links clickable', async () => {
    await renderMessage(
      [
        '[Pipeline](https://ci.example.com/jobs/1 "The pipeline")',
        '[Logs](http://logs.example.com/1)',
        '[Mail us](mailto:oncall@example.com)',
        '<https://ci.example.com/auto>',
        '[Ref][r]',
        '',
        '[r]: https://ci.example.com/ref',
      ].join('\n'),
    );

    const pipeline = screen.getByRole('link', { name: /Pipeline/ });
    expect(pipeline).toHaveAttribute('href', 'https://ci.example.com/jobs/1');
    expect(pipeline).toHaveAttribute('title', 'The pipeline');
    expect(pipeline).toHaveAttribute('target', '_blank');
    expect(pipeline).toHaveAttribute('rel', 'noopener noreferrer');
    expect(screen.getByRole('link', { name: /Logs/ })).toHaveAttribute(
      'href',
      'http://logs.example.com/1',
    );
    const mail = screen.getByRole('link', { name: /Mail us/ });
    expect(mail).toHaveAttribute('href', 'mailto:oncall@example.com');
    expect(mail).not.toHaveAttribute('target');
    expect(
      screen.getByRole('link', { name: /ci\.example\.com\/auto/ }),
    ).toHaveAttribute('href', 'https://ci.example.com/auto');
    expect(screen.getByRole('link', { name: /Ref/ })).toHaveAttribute(
      'href',
      'https://ci.example.com/ref',
    );
  });

  describe('images', () => {
    it('shows a remote image as a link to it, without loading it', async () => {
      const container = await renderMessage(
        '![build badge](https://203.0.113.5/track.png) ![](http://example.invalid/x.png)',
      );

      expect(container.querySelector('img')).toBeNull();
      const badge = screen.getByRole('link', { name: /Image: build badge/ });
      expect(badge).toHaveAttribute('href', 'https://203.0.113.5/track.png');
      expect(badge).toHaveAttribute('rel', 'noopener noreferrer');
      expect(
        screen.getByRole('link', {
          name: /Image: http:\/\/example\.invalid\/x\.png/,
        }),
      ).toHaveAttribute('href', 'http://example.invalid/x.png');
    });

    it('shows an image of another scheme as its description only', async () => {
      const container = await renderMessage(
        `![pixel](data:image/png;base64,AAAA) ![script](${JS})`,
      );

      expect(container.querySelector('img')).toBeNull();
      expect(screen.queryByRole('link')).not.toBeInTheDocument();
      expect(screen.getByTestId('message')).toHaveTextContent(
        'Image: pixel Image: script',
      );
    });

    it('loads images from the hosts an admin allows, and only those', async () => {
      const container = await renderMessage(
        '![chart](https://images.example.com/chart.png) ![other](https://203.0.113.5/track.png)',
        ['images.example.com'],
      );

      const images = container.querySelectorAll('img');
      expect(images).toHaveLength(1);
      expect(images[0]).toHaveAttribute(
        'src',
        'https://images.example.com/chart.png',
      );
      expect(images[0]).toHaveAttribute('alt', 'chart');
      expect(images[0]).toHaveAttribute('referrerpolicy', 'no-referrer');
      expect(
        screen.getByRole('link', { name: /Image: other/ }),
      ).toHaveAttribute('href', 'https://203.0.113.5/track.png');
    });

    it('shows an image inside a link as text, not as a second link', async () => {
      const container = await renderMessage(
        '[![badge](https://203.0.113.5/badge.png)](https://ci.example.com/1)',
      );

      const links = container.querySelectorAll('a');
      expect(links).toHaveLength(1);
      expect(links[0]).toHaveAttribute('href', 'https://ci.example.com/1');
      expect(links[0]).toHaveTextContent('Image: badge');
      expect(container.querySelector('img')).toBeNull();
    });
  });
});
