import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { Markdown } from "@/components/chat/markdown";

describe("Markdown", () => {
  it("renders fenced code with highlight.js classes", () => {
    const html = renderToStaticMarkup(<Markdown text={"Try this:\n\n```python\ndef add(a, b):\n    return a + b\n```"} />);
    expect(html).toContain('class="hljs language-python"');
    expect(html).toContain('<span class="hljs-keyword">def</span>');
    expect(html).toContain("<p>Try this:</p>");
  });

  it("renders GitHub tables and never raw HTML from the model", () => {
    const html = renderToStaticMarkup(<Markdown text={"| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script><img src=x onerror=alert(1)>"} />);
    expect(html).toContain("<table>");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
  });

  it("opens links in a new tab without handing over the opener", () => {
    const html = renderToStaticMarkup(<Markdown text="[docs](https://example.com)" />);
    expect(html).toContain('target="_blank"');
    expect(html).toContain('rel="noreferrer noopener"');
  });
});
