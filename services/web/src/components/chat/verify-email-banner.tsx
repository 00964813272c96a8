"use client";

import { useQueryClient } from "@tanstack/react-query";
import { Loader2, MailWarning } from "lucide-react";
import { useState } from "react";

import { ResendVerification } from "@/components/account/resend-verification";
import { useAccount, useAuth } from "@/components/auth-provider";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

/**
 * The chat service refuses accounts whose email is not confirmed (403 EMAIL_NOT_VERIFIED):
 * say so, offer a new mail, and pick up a confirmation made in another tab.
 */
export function VerifyEmailBanner({ onConfirmed }: { onConfirmed: () => void }) {
  const { state } = useAuth();
  const account = useAccount();
  const queryClient = useQueryClient();
  const [checking, setChecking] = useState(false);
  const [stillUnconfirmed, setStillUnconfirmed] = useState(false);
  if (state.status !== "authenticated") return null;
  const { email } = state.user;

  async function recheck() {
    setChecking(true);
    setStillUnconfirmed(false);
    try {
      // The access token says whether the email is confirmed: only a new one can tell chat.
      await account.refreshAfterVerification();
      const user = await account.reloadUser();
      if (user.is_verified) {
        onConfirmed();
        await queryClient.invalidateQueries();
      } else setStillUnconfirmed(true);
    } catch {
      setStillUnconfirmed(true);
    } finally {
      setChecking(false);
    }
  }

  return (
    <Alert data-testid="verify-email-banner" className="mb-2">
      <MailWarning aria-hidden />
      <AlertTitle>Confirm your email to start chatting</AlertTitle>
      <AlertDescription>
        <p>
          Open the link we mailed to <span className="font-medium text-foreground">{email}</span>. No mail? Send a new
          one.
        </p>
        <div className="mt-1 flex flex-wrap items-start gap-2">
          <div className="w-56">
            <ResendVerification email={email} size="sm" />
          </div>
          <Button type="button" size="sm" variant="ghost" onClick={recheck} disabled={checking}>
            {checking && <Loader2 className="animate-spin" aria-hidden />}
            I have confirmed it
          </Button>
        </div>
        {stillUnconfirmed && <p role="status">Not confirmed yet. Open the link in the mail, then try again.</p>}
      </AlertDescription>
    </Alert>
  );
}
