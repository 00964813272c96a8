import "highlight.js/styles/github-dark.css";
import "./globals.css";

import type { Metadata, Viewport } from "next";
import { connection } from "next/server";

import { ImageSourcesProvider } from "@/components/image-sources";
import { Providers } from "@/components/providers";
import { webSettings } from "@/lib/web-settings";

export const metadata: Metadata = {
  title: "Parley",
  description: "Self-hosted multi-user LLM chat",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is rendered per request: Next.js puts the proxy's per-request CSP nonce on its
  // scripts only then (a page prerendered at build time would carry no nonce and not run).
  await connection();
  return (
    <html lang="en">
      <body>
        <ImageSourcesProvider sources={webSettings.imageSources}>
          <Providers>{children}</Providers>
        </ImageSourcesProvider>
      </body>
    </html>
  );
}
