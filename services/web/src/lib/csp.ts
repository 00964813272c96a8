/**
 * The web client's own security headers, built from settings: the Content-Security-Policy (with
 * a per-request nonce) and HSTS. Pure; `src/proxy.ts` sets them on every page response. The
 * gateway's `security-headers` middleware adds the rest (X-Frame-Options, nosniff,
 * Referrer-Policy, Permissions-Policy).
 */

/** Sent only over TLS; the same value as the gateway's `stsSeconds` / `stsIncludeSubdomains`. */
export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

// A CSP scheme-source (`https:`) or host-source (`https://*.example.com:443/path/`), or `*`.
// No quotes, so a setting cannot add keywords such as 'unsafe-inline'; no `;` or `,`, so it cannot
// add directives or a second policy.
const SOURCE_RE = /^(?:\*|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?(?:\/[^\s;,'"]*)?)$/i;

export interface ImageSources {
  /** Extra `img-src` sources, beyond 'self' and data:. */
  sources: string[];
  /** Entries of the setting that are not CSP sources; left out (fail closed) and logged. */
  refused: string[];
}

/** `WEB_IMG_SRC`: sources separated by spaces or commas; empty or unset: none. */
export function parseImageSources(value: string | undefined): ImageSources {
  const sources: string[] = [];
  const refused: string[] = [];
  for (const entry of (value ?? "").split(/[\s,]+/)) {
    if (!entry) continue;
    if (SOURCE_RE.test(entry)) {
      if (!sources.includes(entry)) sources.push(entry);
    } else {
      refused.push(entry);
    }
  }
  return { sources, refused };
}

export interface PolicyOptions {
  nonce: string;
  imageSources: readonly string[];
  /** `next dev`: React needs eval for its error overlays and the dev server injects <style>s. */
  dev: boolean;
  /** The page came over https: ask the browser to upgrade any http:// subresource. */
  https: boolean;
}

export function contentSecurityPolicy({ nonce, imageSources, dev, https }: PolicyOptions): string {
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    // 'strict-dynamic': scripts the nonced Next.js runtime loads (its chunks) are trusted too.
    ["script-src", "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    ["style-src", "'self'", dev ? "'unsafe-inline'" : `'nonce-${nonce}'`],
    // No remote images by default: an image URL in a model's reply could carry the chat out
    // (prompt injection); the markdown renderer shows such images as links.
    ["img-src", "'self'", "data:", ...imageSources],
    ["font-src", "'self'"],
    // The API and auth are on the same origin, behind the gateway.
    ["connect-src", "'self'"],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
    ["frame-ancestors", "'none'"],
  ];
  if (https) directives.push(["upgrade-insecure-requests"]);
  return directives.map((parts) => parts.join(" ")).join("; ");
}

/**
 * Whether the request reached the gateway over TLS. Traefik sets X-Forwarded-Proto from the
 * connection (or passes on a trusted proxy's value), so a plain http://localhost never gets HSTS.
 */
export function cameOverHttps(forwardedProto: string | null): boolean {
  return forwardedProto?.split(",")[0]?.trim().toLowerCase() === "https";
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
