"use client";

import { memo } from "react";
import ReactMarkdown, { defaultUrlTransform, type Components, type UrlTransform } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";

import { CodeBlock } from "@/components/chat/code-block";
import { useImageSources } from "@/components/image-sources";
import { imageAllowed } from "@/lib/image-policy";

const remarkPlugins = [remarkGfm];
// ignoreMissing: a fence with an unknown language stays plain instead of throwing.
const rehypePlugins: Parameters<typeof ReactMarkdown>[0]["rehypePlugins"] = [[rehypeHighlight, { detect: false }]];

// react-markdown's default drops data: URLs; an inline image (data:image/...) may stay, since an
// <img> runs no script and the CSP allows data: images. Links keep the default (no data:, no javascript:).
const urlTransform: UrlTransform = (url, key, node) =>
  key === "src" && node.tagName === "img" && /^data:image\//i.test(url) ? url : defaultUrlTransform(url);

function hostOf(src: string): string {
  try {
    return new URL(src).host || src;
  } catch {
    return src;
  }
}

/**
 * Assistant text as markdown; raw HTML in it is not rendered (react-markdown's default). An image
 * the page's CSP would block (any remote host not in `WEB_IMG_SRC`) becomes a link naming its
 * host: loading it could carry the chat to that host, and a broken image says nothing.
 * Fenced code gets its language and a copy button (`CodeBlock`); a table scrolls sideways in its
 * own box, so a wide one never widens the page on a phone. Styles: `globals.css` (a stylesheet
 * of the build, which the CSP allows; no inline styles).
 */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const imageSources = useImageSources();
  const origin = typeof window === "undefined" ? undefined : window.location.origin;
  const components: Components = {
    pre: CodeBlock,
    table: ({ node, ...props }) => {
      void node;
      // Focusable, so a keyboard can scroll it too.
      return (
        <div className="table-scroll" data-testid="table-scroll" role="region" aria-label="Table" tabIndex={0}>
          <table {...props} />
        </div>
      );
    },
    a: ({ node, ...props }) => {
      void node;
      return <a {...props} target="_blank" rel="noreferrer noopener" />;
    },
    img: ({ node, src, alt, ...props }) => {
      void node;
      const url = typeof src === "string" ? src : "";
      // eslint-disable-next-line @next/next/no-img-element -- a model's image, not a page asset
      if (imageAllowed(url, origin, imageSources)) return <img src={url} alt={alt ?? ""} {...props} />;
      if (!url) return <span>{alt}</span>;
      return (
        <a href={url} target="_blank" rel="noreferrer noopener" title={url} data-blocked-image="">
          {alt ? `Image: ${alt}` : "Image"} ({hostOf(url)})
        </a>
      );
    },
  };
  return (
    <div className="prose prose-neutral max-w-none text-[15px] leading-relaxed break-words prose-p:my-2 prose-pre:my-3 prose-headings:mt-4 prose-headings:mb-2 prose-li:my-0.5">
      <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components} urlTransform={urlTransform}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
