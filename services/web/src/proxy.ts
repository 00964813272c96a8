/**
 * Runs before every page: a fresh CSP nonce, the Content-Security-Policy on the response (and on
 * the request, where Next.js reads the nonce to put it on its own scripts), HSTS over TLS.
 */
import { NextResponse, type NextRequest } from "next/server";

import { cameOverHttps, contentSecurityPolicy, HSTS_VALUE, newNonce } from "@/lib/csp";
import { webSettings } from "@/lib/web-settings";

export function proxy(request: NextRequest) {
  const https = cameOverHttps(request.headers.get("x-forwarded-proto"));
  const policy = contentSecurityPolicy({ nonce: newNonce(), imageSources: webSettings.imageSources, dev: webSettings.dev, https });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", policy);
  if (https) response.headers.set("Strict-Transport-Security", HSTS_VALUE);
  return response;
}

export const config = {
  matcher: [
    {
      // Not the hashed build assets (scripts and styles: a policy on them means nothing), nor
      // next/link's prefetches (RSC payloads, not documents), as the Next.js CSP guide advises.
      source: "/((?!_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
