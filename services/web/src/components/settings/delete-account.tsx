"use client";

import { KeyRound, Loader2, Trash2 } from "lucide-react";
import { useState } from "react";

import { useAccount } from "@/components/auth-provider";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { SettingsCard } from "@/components/settings/settings-card";
import { useFormAction } from "@/components/use-form-action";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { deletionMethods, ssoErrorMessage, type LoginOptions } from "@/lib/sso";
import type { User } from "@/lib/types";

/**
 * Deletes the account and its chats for good, after the current password or, for an account
 * linked to single sign-on, a new sign-in at its provider (the auth service deletes it when the
 * provider sends the browser back; a refusal comes back as `ssoError`).
 */
export function DeleteAccount({
  user,
  options,
  ssoError,
}: {
  user: User;
  /** The server's sign-in options; undefined while they load. */
  options: LoginOptions | undefined;
  ssoError: string | null;
}) {
  const account = useAccount();
  const action = useFormAction();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [touched, setTouched] = useState(false);
  const passwordError = password ? null : "Enter your current password";
  const methods = options ? deletionMethods(user, options) : null;
  const providers = methods?.providers ?? [];
  const refusal = ssoErrorMessage(ssoError);

  async function confirmWithProvider(providerId: string) {
    if (action.busy || action.waiting) return;
    // The auth service set the state cookie in its answer; the provider comes back to it.
    await action.run(async () => window.location.assign(await account.startSsoDeletion(providerId)));
  }

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (!methods?.password || passwordError || action.waiting) return;
    // On success the session ends and the page moves to /login, which says so.
    await action.run(() => account.deleteAccount(password));
  }

  return (
    <SettingsCard
      id="delete"
      title="Delete account"
      description="Your account and all your chats are deleted for good. This cannot be undone."
      className="border-destructive/40"
    >
      {refusal && (
        <div className="mb-4">
          <FormAlert>{refusal}</FormAlert>
        </div>
      )}
      <Button variant="destructive" onClick={() => setOpen(true)} disabled={!methods}>
        <Trash2 aria-hidden />
        Delete account…
      </Button>
      <AlertDialog
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          setPassword("");
          setTouched(false);
          action.clear();
        }}
      >
        <AlertDialogContent>
          <form onSubmit={onSubmit} noValidate aria-label="Delete account" className="grid gap-4">
            <AlertDialogHeader>
              <AlertDialogTitle>Delete your account?</AlertDialogTitle>
              <AlertDialogDescription>
                Your account, your chats and every session end now.{" "}
                {providers.length === 0
                  ? "Enter your password to confirm."
                  : methods?.password
                    ? "Confirm by signing in again at your sign-in provider, or with your password if you have set one."
                    : "Confirm by signing in again at your sign-in provider."}
              </AlertDialogDescription>
            </AlertDialogHeader>
            {action.error && <FormAlert>{action.error}</FormAlert>}
            {providers.map((provider) => (
              <Button
                key={provider.id}
                type="button"
                variant="destructive"
                disabled={action.busy || action.waiting}
                onClick={() => void confirmWithProvider(provider.id)}
              >
                <KeyRound aria-hidden />
                Sign in with {provider.name} to delete
              </Button>
            ))}
            {methods?.password && (
              <FormField
                label="Current password"
                type="password"
                autoComplete="current-password"
                autoFocus={providers.length === 0}
                value={password}
                onValue={setPassword}
                error={touched ? passwordError : null}
              />
            )}
            <AlertDialogFooter>
              <AlertDialogCancel type="button">Cancel</AlertDialogCancel>
              {methods?.password && (
                <Button type="submit" variant="destructive" disabled={action.busy || action.waiting}>
                  {action.busy && <Loader2 className="animate-spin" aria-hidden />}
                  Delete for good
                </Button>
              )}
            </AlertDialogFooter>
          </form>
        </AlertDialogContent>
      </AlertDialog>
    </SettingsCard>
  );
}
