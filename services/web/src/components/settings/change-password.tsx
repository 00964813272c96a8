"use client";

import { Loader2 } from "lucide-react";
import { useState } from "react";

import { useAccount } from "@/components/auth-provider";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { SettingsCard } from "@/components/settings/settings-card";
import { useFormAction } from "@/components/use-form-action";
import { Button } from "@/components/ui/button";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, validatePassword } from "@/lib/validation";

/** Current and new password; every other session ends, this one goes on with a new token. */
export function ChangePassword({ email }: { email: string }) {
  const account = useAccount();
  const action = useFormAction();
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [touched, setTouched] = useState(false);
  const [done, setDone] = useState(false);
  const currentError = current ? null : "Enter your current password";
  const passwordError =
    validatePassword(email, password) ?? (password === current ? "Choose a password other than the current one" : null);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched(true);
    setDone(false);
    if (currentError || passwordError || action.waiting) return;
    if (await action.run(() => account.changePassword(current, password))) {
      setCurrent("");
      setPassword("");
      setTouched(false);
      setDone(true);
    }
  }

  return (
    <SettingsCard id="password" title="Password" description="Changing it logs you out on every other device.">
      <form onSubmit={onSubmit} noValidate aria-label="Change password" className="grid gap-4 sm:max-w-sm">
        {action.error && <FormAlert>{action.error}</FormAlert>}
        {done && <FormAlert kind="success">Your password has been changed. Other devices have been logged out.</FormAlert>}
        <FormField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onValue={setCurrent}
          error={touched ? currentError : null}
        />
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
        <Button type="submit" className="justify-self-start" disabled={action.busy || action.waiting}>
          {action.busy && <Loader2 className="animate-spin" aria-hidden />}
          Change password
        </Button>
      </form>
    </SettingsCard>
  );
}
