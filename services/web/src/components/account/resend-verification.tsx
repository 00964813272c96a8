"use client";

import { Loader2, Mail } from "lucide-react";
import { useState } from "react";

import { useAccount } from "@/components/auth-provider";
import { useCountdown } from "@/components/use-countdown";
import { Button } from "@/components/ui/button";
import { ApiError, describeError, tooManyAttempts } from "@/lib/errors";

/** "Resend the confirmation mail", with what happened next to it. */
export function ResendVerification({ email, size = "default" }: { email: string; size?: "default" | "sm" }) {
  const account = useAccount();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [waitLeft, startWait] = useCountdown();

  async function resend() {
    setBusy(true);
    setMessage(null);
    try {
      await account.requestVerification(email);
      setMessage(`A new confirmation link is on its way to ${email}.`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) startWait(e.retryAfter ?? 60);
      else setMessage(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="grid w-full gap-2">
      <Button type="button" variant="outline" size={size} onClick={resend} disabled={busy || waitLeft > 0}>
        {busy ? <Loader2 className="animate-spin" aria-hidden /> : <Mail aria-hidden />}
        Resend confirmation mail
      </Button>
      {(waitLeft > 0 || message) && (
        <p role="status" className="text-sm text-muted-foreground">
          {waitLeft > 0 ? tooManyAttempts(waitLeft) : message}
        </p>
      )}
    </div>
  );
}
