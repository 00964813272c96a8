"use client";

import { createContext, useContext } from "react";

/** The extra `img-src` sources of the page's CSP (`WEB_IMG_SRC`), given by the root layout. */
const ImageSourcesContext = createContext<readonly string[]>([]);

export function ImageSourcesProvider({ sources, children }: { sources: readonly string[]; children: React.ReactNode }) {
  return <ImageSourcesContext.Provider value={sources}>{children}</ImageSourcesContext.Provider>;
}

export function useImageSources(): readonly string[] {
  return useContext(ImageSourcesContext);
}
