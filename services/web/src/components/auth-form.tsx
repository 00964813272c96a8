"use client";

import { AlertCircle, Loader2 } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useId, useState } from "react";

import { useAuth } from "@/components/auth-provider";
import { Logo } from "@/components/logo";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { ApiError, describeError, tooManyAttempts } from "@/lib/errors";
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  safeNextPath,
  validateEmail,
  validatePassword,
} from "@/lib/validation";

type Mode = "login" | "register";

/** Seconds left of a 429's Retry-After, counting down once a second. */
function useCountdown(): [number, (seconds: number) => void] {
  const [until, setUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until <= now) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until, now]);
  const left = Math.max(0, Math.ceil((until - now) / 1000));
  return [left, (seconds) => {
    setNow(Date.now());
    setUntil(Date.now() + seconds * 1000);
  }];
}

export function AuthForm({ mode }: { mode: Mode }) {
  const { session, state } = useAuth();
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNextPath(params.get("next"));
  const ids = { email: useId(), password: useId(), emailError: useId(), passwordError: useId(), hint: useId() };
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [waitLeft, startWait] = useCountdown();

  useEffect(() => {
    if (state.status === "authenticated") router.replace(next);
  }, [state.status, next, router]);

  const emailError = validateEmail(email);
  const passwordError =
    mode === "register" ? validatePassword(email, password) : password ? null : "Enter your password";

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched(true);
    setServerError(null);
    if (emailError || passwordError || waitLeft > 0) return;
    setBusy(true);
    try {
      if (mode === "login") await session.login(email.trim(), password);
      else await session.register(email.trim(), password);
      // The effect above navigates once the session is authenticated.
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) startWait(error.retryAfter ?? 60);
      else setServerError(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  const sessionNotice =
    state.status === "anonymous" && state.reason === "expired"
      ? "Your session has ended. Please log in again."
      : state.status === "anonymous" && state.reason === "unavailable"
        ? "The server could not be reached to restore your session."
        : null;
  const shownServerError = waitLeft > 0 ? tooManyAttempts(waitLeft) : serverError;
  const isLogin = mode === "login";
  const otherHref = `${isLogin ? "/register" : "/login"}${params.get("next") ? `?next=${encodeURIComponent(next)}` : ""}`;

  return (
    <main className="flex min-h-dvh flex-col items-center justify-center bg-muted/40 px-4 py-10">
      <Logo className="mb-6 text-lg" />
      <Card className="w-full max-w-sm">
        <CardHeader>
          <CardTitle>{isLogin ? "Log in" : "Create your account"}</CardTitle>
          <CardDescription>
            {isLogin ? "Welcome back. Log in to continue your chats." : "Chat with your models. Your history stays with you."}
          </CardDescription>
        </CardHeader>
        <form onSubmit={onSubmit} noValidate aria-label={isLogin ? "Log in" : "Register"}>
          <CardContent className="grid gap-4">
            {sessionNotice && !shownServerError && (
              <Alert>
                <AlertCircle aria-hidden />
                <AlertDescription>{sessionNotice}</AlertDescription>
              </Alert>
            )}
            {shownServerError && (
              <Alert variant="destructive">
                <AlertCircle aria-hidden />
                <AlertDescription>{shownServerError}</AlertDescription>
              </Alert>
            )}
            <div className="grid gap-2">
              <Label htmlFor={ids.email}>Email</Label>
              <Input
                id={ids.email}
                type="email"
                autoComplete="email"
                inputMode="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                aria-invalid={touched && !!emailError}
                aria-describedby={touched && emailError ? ids.emailError : undefined}
                placeholder="you@example.com"
              />
              {touched && emailError && (
                <p id={ids.emailError} className="text-sm text-destructive">
                  {emailError}
                </p>
              )}
            </div>
            <div className="grid gap-2">
              <Label htmlFor={ids.password}>Password</Label>
              <Input
                id={ids.password}
                type="password"
                autoComplete={isLogin ? "current-password" : "new-password"}
                required
                maxLength={isLogin ? undefined : PASSWORD_MAX_LENGTH}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-invalid={touched && !!passwordError}
                aria-describedby={
                  [touched && passwordError ? ids.passwordError : "", isLogin ? "" : ids.hint].filter(Boolean).join(" ") ||
                  undefined
                }
              />
              {touched && passwordError && (
                <p id={ids.passwordError} className="text-sm text-destructive">
                  {passwordError}
                </p>
              )}
              {!isLogin && (
                <p id={ids.hint} className="text-xs text-muted-foreground">
                  {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters, not containing the part of your email
                  before the @.
                </p>
              )}
            </div>
          </CardContent>
          <CardFooter className="mt-6 flex-col gap-4">
            <Button type="submit" className="w-full" disabled={busy || waitLeft > 0}>
              {busy && <Loader2 className="animate-spin" aria-hidden />}
              {isLogin ? "Log in" : "Create account"}
            </Button>
            <p className="text-sm text-muted-foreground">
              {isLogin ? "New to Parley? " : "Already have an account? "}
              <Link href={otherHref} className="font-medium text-foreground underline underline-offset-4">
                {isLogin ? "Create an account" : "Log in"}
              </Link>
            </p>
          </CardFooter>
        </form>
      </Card>
    </main>
  );
}
