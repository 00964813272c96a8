"use client";

import { Loader2 } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState } from "react";

import { LinkProblem } from "@/components/account/link-problem";
import { useAccount } from "@/components/auth-provider";
import { AuthShell } from "@/components/auth-shell";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { useCountdown } from "@/components/use-countdown";
import { Button } from "@/components/ui/button";
import { CardContent, CardFooter } from "@/components/ui/card";
import { linkOutcome } from "@/lib/account";
import { ApiError, describeError, tooManyAttempts } from "@/lib/errors";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, validatePassword, validateRepeat } from "@/lib/validation";

const NEW_LINK = { href: "/forgot-password", label: "Send me a new link" };

/** The page of the reset mail's link: a new password, twice. */
export function ResetPasswordForm() {
  const account = useAccount();
  const token = useSearchParams().get("token") ?? "";
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [badLink, setBadLink] = useState(!token);
  const [error, setError] = useState<string | null>(null);
  const [waitLeft, startWait] = useCountdown();
  // The account's email is not known here; the server checks the name part and common passwords.
  const passwordError = validatePassword("", password);
  const repeatError = validateRepeat(password, repeat);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched(true);
    setError(null);
    if (passwordError || repeatError || waitLeft > 0) return;
    setBusy(true);
    try {
      await account.resetPassword(token, password);
      setDone(true);
    } catch (e) {
      const outcome = linkOutcome(e);
      if (outcome === "invalid_link") setBadLink(true);
      else if (outcome === "rate_limited") startWait((e as ApiError).retryAfter ?? 60);
      else setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  if (badLink) {
    return (
      <AuthShell title="This link does not work">
        <LinkProblem
          message="This reset link has expired, was already used or is not valid. Ask for a new one: it is mailed at once."
          action={NEW_LINK}
        />
      </AuthShell>
    );
  }
  if (done) {
    return (
      <AuthShell title="Password changed">
        <CardContent>
          <FormAlert kind="success">
            Your new password is set, and every device that was logged in has been logged out. Log in with the new
            password.
          </FormAlert>
        </CardContent>
        <CardFooter>
          <Button asChild className="w-full">
            <Link href="/login">Log in</Link>
          </Button>
        </CardFooter>
      </AuthShell>
    );
  }
  return (
    <AuthShell title="Choose a new password">
      <form onSubmit={onSubmit} noValidate aria-label="Reset password">
        <CardContent className="grid gap-4">
          {(waitLeft > 0 || error) && <FormAlert>{waitLeft > 0 ? tooManyAttempts(waitLeft) : error}</FormAlert>}
          <FormField
            label="New password"
            type="password"
            autoComplete="new-password"
            maxLength={PASSWORD_MAX_LENGTH}
            value={password}
            onValue={setPassword}
            error={touched ? passwordError : null}
            hint={`${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not containing the part of your email before the @, and not a common password.`}
          />
          <FormField
            label="Repeat the new password"
            type="password"
            autoComplete="new-password"
            maxLength={PASSWORD_MAX_LENGTH}
            value={repeat}
            onValue={setRepeat}
            error={touched && !passwordError ? repeatError : null}
          />
        </CardContent>
        <CardFooter className="mt-6">
          <Button type="submit" className="w-full" disabled={busy || waitLeft > 0}>
            {busy && <Loader2 className="animate-spin" aria-hidden />}
            Set new password
          </Button>
        </CardFooter>
      </form>
    </AuthShell>
  );
}
