"use client";

import { useEffect, useState } from "react";

/** The time, renewed every `everyMs` so texts such as "in 3 h 12 min" stay true while a page is open. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
