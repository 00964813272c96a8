"use client";

import { Loader2 } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { LinkProblem } from "@/components/account/link-problem";
import { ResendVerification } from "@/components/account/resend-verification";
import { useAccount, useAuth } from "@/components/auth-provider";
import { AuthShell } from "@/components/auth-shell";
import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import { CardContent, CardFooter } from "@/components/ui/card";
import { linkOutcome, type LinkOutcome } from "@/lib/account";
import { describeError } from "@/lib/errors";

const TITLES: Record<LinkOutcome | "verifying", string> = {
  verifying: "Confirming your email…",
  done: "Email confirmed",
  already_done: "Already confirmed",
  invalid_link: "This link does not work",
  rate_limited: "Too many attempts",
  failed: "Something went wrong",
};

/**
 * The page of a confirmation mail's link (a new account's, or an email change's new address):
 * posts the token once on load and says how it went.
 */
export function VerifyEmail() {
  const account = useAccount();
  const { state } = useAuth();
  const token = useSearchParams().get("token") ?? "";
  const [outcome, setOutcome] = useState<LinkOutcome | "verifying">(token ? "verifying" : "invalid_link");
  const [error, setError] = useState<string | null>(null);
  const posted = useRef<string | null>(null);
  const refreshed = useRef(false);

  useEffect(() => {
    // Once per token: React's development double effects must not spend it twice.
    if (!token || posted.current === token) return;
    posted.current = token;
    account.verifyEmail(token).then(
      () => setOutcome("done"),
      (e: unknown) => {
        setOutcome(linkOutcome(e));
        setError(describeError(e));
      },
    );
  }, [account, token]);

  const signedIn = state.status === "authenticated";
  useEffect(() => {
    // The access token says whether the email is confirmed (and which it is): get a new one.
    if (outcome !== "done" || !signedIn || refreshed.current) return;
    refreshed.current = true;
    void account.refreshAfterVerification().catch(() => undefined);
  }, [outcome, signedIn, account]);

  const home = signedIn ? { href: "/chats", label: "Go to your chats" } : { href: "/login", label: "Log in" };
  if (outcome === "invalid_link") {
    const pending = signedIn && state.user.pending_email;
    return (
      <AuthShell title={TITLES.invalid_link}>
        <LinkProblem
          message="This confirmation link has expired, was already used or is not valid."
          action={
            !signedIn ? (
              <p className="text-sm text-muted-foreground">Log in to have a new link sent.</p>
            ) : pending ? (
              <Button asChild className="w-full">
                <Link href="/settings">Change the email again in Settings</Link>
              </Button>
            ) : state.user.is_verified ? (
              home
            ) : (
              <ResendVerification email={state.user.email} />
            )
          }
        />
      </AuthShell>
    );
  }
  return (
    <AuthShell title={TITLES[outcome]}>
      <CardContent>
        {outcome === "verifying" ? (
          <p className="flex items-center text-sm text-muted-foreground" role="status">
            <Loader2 className="mr-2 size-4 animate-spin" aria-hidden />
            One moment…
          </p>
        ) : outcome === "done" ? (
          <FormAlert kind="success">Your email address is confirmed. Thank you!</FormAlert>
        ) : outcome === "already_done" ? (
          <FormAlert kind="notice">This email address was already confirmed. Nothing more to do.</FormAlert>
        ) : (
          <FormAlert>{error}</FormAlert>
        )}
      </CardContent>
      {outcome !== "verifying" && (
        <CardFooter>
          <Button asChild className="w-full">
            <Link href={home.href}>{home.label}</Link>
          </Button>
        </CardFooter>
      )}
    </AuthShell>
  );
}
