"use client";

import { useState } from "react";

import { useCountdown } from "@/components/use-countdown";
import { ApiError, describeError, tooManyAttempts } from "@/lib/errors";

export interface FormAction {
  busy: boolean;
  /** What went wrong, in words (a 429 counts down here); null when nothing did. */
  error: string | null;
  /** A 429 is being waited out: the submit button stays off. */
  waiting: boolean;
  /** Runs the form's call; true when it worked. */
  run: (call: () => Promise<void>) => Promise<boolean>;
  clear: () => void;
}

/** Busy flag, error words and the Retry-After countdown of one form's API call. */
export function useFormAction(): FormAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [waitLeft, startWait] = useCountdown();

  async function run(call: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await call();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) startWait(e.retryAfter ?? 60);
      else setError(describeError(e));
      return false;
    } finally {
      setBusy(false);
    }
  }

  return {
    busy,
    error: waitLeft > 0 ? tooManyAttempts(waitLeft) : error,
    waiting: waitLeft > 0,
    run,
    clear: () => setError(null),
  };
}
