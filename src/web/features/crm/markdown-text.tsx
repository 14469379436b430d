import { Typography } from '@mantine/core';
import Markdown, { defaultUrlTransform, type Options } from 'react-markdown';

/** The one Markdown configuration of the app (also used by its tests). */
export const markdownOptions = {
  skipHtml: true,
  urlTransform: safeUrl,
  components: {
    a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer nofollow" />,
    // Images would load from anywhere: show their text instead.
    img: ({ alt }) => <span>{alt ?? ''}</span>,
  },
} satisfies Options;

/**
 * Renders a note's Markdown as React elements: raw HTML in the text is dropped (never parsed into
 * the page), and links or images whose URL is not http(s), mailto or tel lose their URL
 * (`javascript:` and friends). Links open in a new tab without access to this page.
 */
export function MarkdownText({ text }: { text: string }) {
  return (
    <Typography fz="sm">
      <Markdown
        skipHtml
        urlTransform={safeUrl}
        components={{
          a: ({ node: _node, ...props }) => (
            <a {...props} target="_blank" rel="noopener noreferrer nofollow" />
          ),
          // Images would load from anywhere: show their text instead.
          img: ({ alt }) => <span>{alt ?? ''}</span>,
        }}
      >
        {text}
      </Markdown>
    </Typography>
  );
}

/** react-markdown's own filter (relative URLs and http, https, mailto, tel…) with nothing else allowed. */
export function safeUrl(url: string): string {
  const cleaned = defaultUrlTransform(url);
  return /^(https?:|mailto:|tel:|\/|#)/i.test(cleaned) || !/^[a-z][a-z0-9+.-]*:/i.test(cleaned)
    ? cleaned
    : '';
}
