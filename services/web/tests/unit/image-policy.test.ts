import { describe, expect, it } from "vitest";

import { imageAllowed } from "@/lib/image-policy";

const ORIGIN = "https://parley.example.com";

describe("imageAllowed", () => {
  it("allows same-origin and data: images", () => {
    expect(imageAllowed("/files/a.png", ORIGIN, [])).toBe(true);
    expect(imageAllowed("a.png", undefined, [])).toBe(true);
    expect(imageAllowed("https://parley.example.com/a.png", ORIGIN, [])).toBe(true);
    expect(imageAllowed("data:image/png;base64,iVBORw0KGgo=", ORIGIN, [])).toBe(true);
  });

  it("refuses remote images unless a configured source matches", () => {
    expect(imageAllowed("https://evil.example/leak.png", ORIGIN, [])).toBe(false);
    expect(imageAllowed("//evil.example/leak.png", ORIGIN, [])).toBe(false);
    expect(imageAllowed("http://parley.example.com/a.png", ORIGIN, [])).toBe(false);
    expect(imageAllowed("blob:https://parley.example.com/1", ORIGIN, [])).toBe(false);
    expect(imageAllowed("", ORIGIN, [])).toBe(false);
  });

  it("matches hosts, wildcards, ports, paths and schemes like CSP", () => {
    const sources = ["https://img.example.com", "*.cdn.example", "https://files.example/public/", "http://intranet:8080"];
    expect(imageAllowed("https://img.example.com/x.png", ORIGIN, sources)).toBe(true);
    expect(imageAllowed("http://img.example.com/x.png", ORIGIN, sources)).toBe(false);
    expect(imageAllowed("https://img.example.com:8443/x.png", ORIGIN, sources)).toBe(false);
    expect(imageAllowed("https://evil.img.example.com/x.png", ORIGIN, sources)).toBe(false);
    expect(imageAllowed("https://a.cdn.example/x.png", ORIGIN, sources)).toBe(true);
    expect(imageAllowed("https://cdn.example/x.png", ORIGIN, sources)).toBe(false);
    expect(imageAllowed("https://files.example/public/x.png", ORIGIN, sources)).toBe(true);
    expect(imageAllowed("https://files.example/private/x.png", ORIGIN, sources)).toBe(false);
    expect(imageAllowed("http://intranet:8080/x.png", ORIGIN, sources)).toBe(true);
    expect(imageAllowed("https://anything.example/x.png", ORIGIN, ["https:"])).toBe(true);
    expect(imageAllowed("http://anything.example/x.png", ORIGIN, ["https:"])).toBe(false);
  });
});
