/**
 * Whether an image URL in a reply may load under the page's `img-src`: same origin, data:, or
 * one of the `WEB_IMG_SRC` sources. Pure. The markdown renderer shows any other image as a link,
 * since the CSP would block it anyway (and it could carry the chat out to that host).
 */

/** `sources` are the CSP sources from `parseImageSources`; `origin` is the page's, if known. */
export function imageAllowed(src: string, origin: string | undefined, sources: readonly string[]): boolean {
  if (!src) return false;
  let url: URL;
  try {
    url = new URL(src, origin ?? "http://same-origin.invalid");
  } catch {
    return false;
  }
  if (url.protocol === "data:") return true;
  if (url.protocol !== "http:" && url.protocol !== "https:") return false; // blob: is not 'self'
  if (url.origin === (origin ? new URL(origin).origin : "http://same-origin.invalid")) return true;
  return sources.some((source) => sourceMatches(source, url));
}

// CSP source matching, the subset a setting of image hosts needs: `*`, `https:`,
// `[scheme://]host[:port][/path]` with a `*.` host wildcard. When in doubt it says no: the
// image then shows as a link, which is harmless.
function sourceMatches(source: string, url: URL): boolean {
  if (source === "*") return url.protocol === "http:" || url.protocol === "https:";
  const schemeOnly = /^([a-z][a-z0-9+.-]*):$/i.exec(source);
  if (schemeOnly) return url.protocol === `${schemeOnly[1].toLowerCase()}:`;
  const match = /^(?:([a-z][a-z0-9+.-]*):\/\/)?((?:\*\.)?[^/:]+)(?::(\d+|\*))?(\/.*)?$/i.exec(source);
  if (!match) return false;
  const [, scheme, host, port, path] = match;
  const protocol = url.protocol.slice(0, -1);
  if (scheme) {
    const wanted = scheme.toLowerCase();
    if (protocol !== wanted && !(wanted === "http" && protocol === "https")) return false;
  } else if (protocol !== "https" && protocol !== "http") {
    return false;
  }
  const hostname = url.hostname.toLowerCase();
  const wantedHost = host.toLowerCase();
  if (wantedHost.startsWith("*.")) {
    if (!hostname.endsWith(wantedHost.slice(1))) return false;
  } else if (hostname !== wantedHost) {
    return false;
  }
  if (port !== "*") {
    const defaultPort = protocol === "https" ? "443" : "80";
    if ((url.port || defaultPort) !== (port ?? defaultPort)) return false;
  }
  if (path && path !== "/") {
    return path.endsWith("/") ? url.pathname.startsWith(path) : url.pathname === path;
  }
  return true;
}
