"use client";

import { Loader2, Trash2 } from "lucide-react";
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

/** Deletes the account and its chats for good, after the current password. */
export function DeleteAccount() {
  const account = useAccount();
  const action = useFormAction();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [touched, setTouched] = useState(false);
  const passwordError = password ? null : "Enter your current password";

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (passwordError || action.waiting) return;
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
      <Button variant="destructive" onClick={() => setOpen(true)}>
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
                Your account, your chats and every session end now. Enter your password to confirm.
              </AlertDialogDescription>
            </AlertDialogHeader>
            {action.error && <FormAlert>{action.error}</FormAlert>}
            <FormField
              label="Current password"
              type="password"
              autoComplete="current-password"
              autoFocus
              value={password}
              onValue={setPassword}
              error={touched ? passwordError : null}
            />
            <AlertDialogFooter>
              <AlertDialogCancel type="button">Cancel</AlertDialogCancel>
              <Button type="submit" variant="destructive" disabled={action.busy || action.waiting}>
                {action.busy && <Loader2 className="animate-spin" aria-hidden />}
                Delete for good
              </Button>
            </AlertDialogFooter>
          </form>
        </AlertDialogContent>
      </AlertDialog>
    </SettingsCard>
  );
}
