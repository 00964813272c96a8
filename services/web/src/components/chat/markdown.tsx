"use client";

import { memo } from "react";
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";

const remarkPlugins = [remarkGfm];
// ignoreMissing: a fence with an unknown language stays plain instead of throwing.
const rehypePlugins: Parameters<typeof ReactMarkdown>[0]["rehypePlugins"] = [[rehypeHighlight, { detect: false }]];

/** Assistant text as markdown; raw HTML in it is not rendered (react-markdown's default). */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="prose prose-neutral max-w-none text-[15px] leading-relaxed break-words prose-p:my-2 prose-pre:my-3 prose-headings:mt-4 prose-headings:mb-2 prose-li:my-0.5">
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        components={{
          a: ({ node, ...props }) => {
            void node;
            return <a {...props} target="_blank" rel="noreferrer noopener" />;
          },
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
