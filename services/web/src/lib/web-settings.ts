/**
 * The web server's settings, read from the environment once when the server loads this module
 * (by `src/proxy.ts` and the root layout). Server-only: the browser gets what it needs as props.
 */
import { parseImageSources } from "@/lib/csp";

const images = parseImageSources(process.env.WEB_IMG_SRC);
if (images.refused.length > 0) {
  // Fail closed: a typo must not open img-src wider than meant, and must not take the site down.
  console.error(`WEB_IMG_SRC: left out entries that are not CSP sources: ${images.refused.join(" ")}`);
}

export const webSettings = {
  /** Extra `img-src` sources (`WEB_IMG_SRC`); empty: only same-origin and data: images load. */
  imageSources: images.sources,
  dev: process.env.NODE_ENV === "development",
} as const;
