import { describe, expect, it } from "vitest";

import { cameOverHttps, contentSecurityPolicy, newNonce, parseImageSources } from "@/lib/csp";

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split("; ").map((d) => { const [name, ...values] = d.split(" "); return [name, values]; }));
}

describe("contentSecurityPolicy", () => {
  const base = { nonce: "abc123==", imageSources: [], dev: false, https: false };

  it("allows scripts and styles from self and the nonce only, and no remote images", () => {
    const policy = directives(contentSecurityPolicy(base));
    expect(policy.get("script-src")).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(policy.get("style-src")).toEqual(["'self'", "'nonce-abc123=='"]);
    expect(policy.get("img-src")).toEqual(["'self'", "data:"]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("default-src")).toEqual(["'self'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'self'"]);
    expect(policy.get("form-action")).toEqual(["'self'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.has("upgrade-insecure-requests")).toBe(false);
    expect(contentSecurityPolicy(base)).not.toContain("unsafe");
  });

  it("adds the configured image hosts to img-src only", () => {
    const policy = directives(contentSecurityPolicy({ ...base, imageSources: ["https://img.example.com", "https://*.githubusercontent.com"] }));
    expect(policy.get("img-src")).toEqual(["'self'", "data:", "https://img.example.com", "https://*.githubusercontent.com"]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
  });

  it("relaxes only what next dev needs in development", () => {
    const policy = directives(contentSecurityPolicy({ ...base, dev: true }));
    expect(policy.get("script-src")).toContain("'unsafe-eval'");
    expect(policy.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it("asks for upgraded subresources only over https", () => {
    expect(directives(contentSecurityPolicy({ ...base, https: true })).has("upgrade-insecure-requests")).toBe(true);
  });
});

describe("parseImageSources", () => {
  it("reads sources separated by spaces or commas, once each", () => {
    expect(parseImageSources(" https://a.example, https://*.b.example:8443/img/  https: https://a.example")).toEqual({
      sources: ["https://a.example", "https://*.b.example:8443/img/", "https:"],
      refused: [],
    });
    expect(parseImageSources(undefined)).toEqual({ sources: [], refused: [] });
    expect(parseImageSources("")).toEqual({ sources: [], refused: [] });
  });

  it("refuses keywords, directives and anything else that is not a source", () => {
    const parsed = parseImageSources("'unsafe-inline' https://ok.example https://x.example;script-src 'self' a\"b");
    expect(parsed.sources).toEqual(["https://ok.example"]);
    expect(parsed.refused).toEqual(["'unsafe-inline'", "https://x.example;script-src", "'self'", 'a"b']);
  });
});

describe("cameOverHttps", () => {
  it("trusts the first X-Forwarded-Proto value and nothing else", () => {
    expect(cameOverHttps("https")).toBe(true);
    expect(cameOverHttps("HTTPS, http")).toBe(true);
    expect(cameOverHttps("http")).toBe(false);
    expect(cameOverHttps(null)).toBe(false);
  });
});

describe("newNonce", () => {
  it("is 128 random bits in base64, new each time", () => {
    const nonce = newNonce();
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(newNonce()).not.toBe(nonce);
  });
});
