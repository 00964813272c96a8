"use client";

import { Loader2 } from "lucide-react";
import Link from "next/link";
import { useState } from "react";

import { useAccount } from "@/components/auth-provider";
import { AuthShell } from "@/components/auth-shell";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { useCountdown } from "@/components/use-countdown";
import { Button } from "@/components/ui/button";
import { CardContent, CardFooter } from "@/components/ui/card";
import { ApiError, describeError, tooManyAttempts } from "@/lib/errors";
import { validateEmail } from "@/lib/validation";

/** Asks for a reset link. The answer is the same whether the address has an account or not. */
export function ForgotPasswordForm() {
  const account = useAccount();
  const [email, setEmail] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [waitLeft, startWait] = useCountdown();
  const emailError = validateEmail(email);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched(true);
    setError(null);
    if (emailError || waitLeft > 0) return;
    setBusy(true);
    try {
      await account.requestPasswordReset(email.trim());
      setSentTo(email.trim());
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) startWait(e.retryAfter ?? 60);
      else setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  if (sentTo) {
    return (
      <AuthShell title="Check your email">
        <CardContent className="grid gap-4">
          <FormAlert kind="success">
            If {sentTo} has a Parley account, a link to choose a new password is on its way. It works
            once, for a limited time.
          </FormAlert>
          <p className="text-sm text-muted-foreground">
            No mail after a few minutes? Check the spam folder, or{" "}
            <button type="button" className="font-medium text-foreground underline underline-offset-4" onClick={() => setSentTo(null)}>
              ask again
            </button>
            .
          </p>
        </CardContent>
        <CardFooter>
          <Button asChild variant="outline" className="w-full">
            <Link href="/login">Back to log in</Link>
          </Button>
        </CardFooter>
      </AuthShell>
    );
  }

  return (
    <AuthShell title="Forgot your password?" description="Enter the email of your account and we will mail you a link to choose a new one.">
      <form onSubmit={onSubmit} noValidate aria-label="Forgot password">
        <CardContent className="grid gap-4">
          {(waitLeft > 0 || error) && <FormAlert>{waitLeft > 0 ? tooManyAttempts(waitLeft) : error}</FormAlert>}
          <FormField
            label="Email"
            type="email"
            autoComplete="email"
            inputMode="email"
            value={email}
            onValue={setEmail}
            error={touched ? emailError : null}
            placeholder="you@example.com"
          />
        </CardContent>
        <CardFooter className="mt-6 flex-col gap-4">
          <Button type="submit" className="w-full" disabled={busy || waitLeft > 0}>
            {busy && <Loader2 className="animate-spin" aria-hidden />}
            Send reset link
          </Button>
          <Link href="/login" className="text-sm text-muted-foreground underline-offset-4 hover:underline">
            Back to log in
          </Link>
        </CardFooter>
      </form>
    </AuthShell>
  );
}
