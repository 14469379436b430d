import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import Markdown from 'react-markdown';
import { describe, expect, it } from 'vitest';
import { markdownOptions, safeUrl } from './markdown-text.tsx';

function render(text: string): string {
  return renderToStaticMarkup(createElement(Markdown, markdownOptions, text));
}

describe('note Markdown', () => {
  it('renders Markdown formatting and safe links', () => {
    const html = render('**Big** order, see [the site](https://example.com) or [mail](mailto:a@b.example)');
    expect(html).toContain('<strong>Big</strong>');
    expect(html).toContain('href="https://example.com"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('href="mailto:a@b.example"');
  });

  it('drops raw HTML instead of putting it in the page', () => {
    const html = render('Hello <script>alert(1)</script><img src=x onerror="alert(2)"> there');
    expect(html).not.toMatch(/<script|onerror|<img/i);
    expect(html).toContain('Hello');
  });

  it('strips javascript:, data: and vbscript: link targets', () => {
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<b>x</b>',
      'vbscript:x',
    ]) {
      expect(safeUrl(url)).toBe('');
      expect(render(`[click](${url})`)).not.toMatch(/href="(javascript|data|vbscript):/i);
    }
    expect(safeUrl('/crm/accounts')).toBe('/crm/accounts');
  });

  it('shows an image as its text, loading nothing', () => {
    expect(render('![a tracking pixel](https://evil.example/p.gif)')).toBe(
      '<p><span>a tracking pixel</span></p>',
    );
  });
});
