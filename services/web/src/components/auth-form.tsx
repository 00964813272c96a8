"use client";

import { Loader2 } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";

import { useAuth } from "@/components/auth-provider";
import { AuthShell } from "@/components/auth-shell";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { SsoButtons, useLoginOptions } from "@/components/sso-buttons";
import { useCountdown } from "@/components/use-countdown";
import { Button } from "@/components/ui/button";
import { CardContent, CardFooter } from "@/components/ui/card";
import type { SignOutReason } from "@/lib/auth-session";
import { ApiError, describeError, hasCode, tooManyAttempts } from "@/lib/errors";
import { loginPage, ssoErrorMessage } from "@/lib/sso";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, safeNextPath, validateEmail, validatePassword } from "@/lib/validation";

type Mode = "login" | "register";

const SIGN_OUT_NOTICES: Partial<Record<NonNullable<SignOutReason>, string>> = {
  expired: "Your session has ended. Please log in again.",
  unavailable: "The server could not be reached to restore your session.",
  logged_out_everywhere: "You have been logged out on every device.",
  account_deleted: "Your account and its chats have been deleted.",
  account_deactivated: "Your account has been deactivated. Ask your administrator if you need it back.",
};

export function AuthForm({ mode }: { mode: Mode }) {
  const { session, state } = useAuth();
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNextPath(params.get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  // An invite link (/register?invite=CODE) fills the code in; otherwise it is one click away.
  const [invite, setInvite] = useState(() => params.get("invite") ?? "");
  const [showInvite, setShowInvite] = useState(() => !!params.get("invite"));
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [waitLeft, startWait] = useCountdown();
  const { options, pending } = useLoginOptions();

  useEffect(() => {
    if (state.status === "authenticated") router.replace(next);
  }, [state.status, next, router]);

  const isLogin = mode === "login";
  const emailError = validateEmail(email);
  const passwordError = isLogin ? (password ? null : "Enter your password") : validatePassword(email, password);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched(true);
    setServerError(null);
    if (emailError || passwordError || waitLeft > 0) return;
    setBusy(true);
    try {
      if (isLogin) await session.login(email.trim(), password);
      else await session.register(email.trim(), password, showInvite ? invite : "");
      // The effect above navigates once the session is authenticated.
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) startWait(error.retryAfter ?? 60);
      else setServerError(describeError(error));
      // An invite-only server: the field the user needs.
      if (hasCode(error, "INVITE_CODE_INVALID")) setShowInvite(true);
    } finally {
      setBusy(false);
    }
  }

  // An account deleted through single sign-on lands here as /login?deleted=account.
  const reason = params.get("deleted") === "account" ? "account_deleted" : state.status === "anonymous" ? state.reason : null;
  const sessionNotice = reason ? SIGN_OUT_NOTICES[reason] : undefined;
  const shownServerError = waitLeft > 0 ? tooManyAttempts(waitLeft) : serverError;
  const otherHref = `${isLogin ? "/register" : "/login"}${params.get("next") ? `?next=${encodeURIComponent(next)}` : ""}`;
  // A failed single sign-on comes back here as /login?sso_error=CODE.
  const ssoError = isLogin ? ssoErrorMessage(params.get("sso_error")) : null;
  const providers = options?.providers ?? [];
  const shown = options ? loginPage(options, mode) : null;
  const passwordForm = !!shown?.passwordForm;
  const notices = (
    <>
      {ssoError && <FormAlert>{ssoError}</FormAlert>}
      {sessionNotice && !shownServerError && !ssoError && <FormAlert kind="notice">{sessionNotice}</FormAlert>}
    </>
  );
  const otherLink = shown?.otherLink && (
    <p className="text-sm text-muted-foreground">
      {isLogin ? "New to Parley? " : "Already have an account? "}
      <Link href={otherHref} className="font-medium text-foreground underline underline-offset-4">
        {isLogin ? "Create an account" : "Log in"}
      </Link>
    </p>
  );

  return (
    <AuthShell
      title={isLogin ? "Log in" : "Create your account"}
      description={isLogin ? "Welcome back. Log in to continue your chats." : "Chat with your models. Your history stays with you."}
    >
      {pending || !options ? (
        <CardContent>
          <p className="flex items-center justify-center py-6 text-sm text-muted-foreground" role="status">
            <Loader2 className="mr-2 size-4 animate-spin" aria-hidden />
            Loading…
          </p>
        </CardContent>
      ) : (
        <>
          {providers.length > 0 && (
            <CardContent className="grid gap-4">
              {notices}
              <SsoButtons providers={providers} next={safeNextPath(params.get("next"), "/")} />
              {passwordForm && (
                <div className="flex items-center gap-3 text-xs text-muted-foreground" aria-hidden>
                  <span className="h-px flex-1 bg-border" />
                  or with your password
                  <span className="h-px flex-1 bg-border" />
                </div>
              )}
            </CardContent>
          )}
          {passwordForm ? (
            <form onSubmit={onSubmit} noValidate aria-label={isLogin ? "Log in" : "Register"}>
              <CardContent className="grid gap-4">
                {providers.length === 0 && notices}
                {shownServerError && <FormAlert>{shownServerError}</FormAlert>}
                <FormField
                  label="Email"
                  type="email"
                  autoComplete="email"
                  inputMode="email"
                  required
                  value={email}
                  onValue={setEmail}
                  error={touched ? emailError : null}
                  placeholder="you@example.com"
                />
                <FormField
                  label="Password"
                  type="password"
                  autoComplete={isLogin ? "current-password" : "new-password"}
                  required
                  maxLength={isLogin ? undefined : PASSWORD_MAX_LENGTH}
                  value={password}
                  onValue={setPassword}
                  error={touched ? passwordError : null}
                  hint={
                    isLogin
                      ? undefined
                      : `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not containing the part of your email before the @, and not a common password.`
                  }
                  aside={
                    isLogin && (
                      <Link href="/forgot-password" className="text-sm text-muted-foreground underline-offset-4 hover:underline">
                        Forgot password?
                      </Link>
                    )
                  }
                />
                {!isLogin &&
                  (showInvite ? (
                    <FormField
                      label="Invite code"
                      autoComplete="off"
                      value={invite}
                      onValue={setInvite}
                      hint="Only needed when this server takes new accounts by invitation."
                    />
                  ) : (
                    <button
                      type="button"
                      className="justify-self-start text-sm text-muted-foreground underline-offset-4 hover:underline"
                      onClick={() => setShowInvite(true)}
                    >
                      Have an invite code?
                    </button>
                  ))}
              </CardContent>
              <CardFooter className="mt-6 flex-col gap-4">
                <Button type="submit" className="w-full" disabled={busy || waitLeft > 0}>
                  {busy && <Loader2 className="animate-spin" aria-hidden />}
                  {isLogin ? "Log in" : "Create account"}
                </Button>
                {otherLink}
              </CardFooter>
            </form>
          ) : (
            <CardFooter className="mt-6 flex-col gap-4">
              {providers.length === 0 && notices}
              {shown?.registrationClosed && (
                <p className="text-sm text-muted-foreground" data-testid="registration-closed">
                  {options.password_login
                    ? "This server does not take new accounts. Ask its administrator for one."
                    : "Accounts are made when you first sign in with single sign-on."}
                </p>
              )}
              {otherLink}
            </CardFooter>
          )}
        </>
      )}
    </AuthShell>
  );
}
