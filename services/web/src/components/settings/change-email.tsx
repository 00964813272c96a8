"use client";

import { Loader2 } from "lucide-react";
import { useState } from "react";

import { useAccount } from "@/components/auth-provider";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { SettingsCard } from "@/components/settings/settings-card";
import { useFormAction } from "@/components/use-form-action";
import { Button } from "@/components/ui/button";
import { validateEmail } from "@/lib/validation";

/** A new email, confirmed by the link mailed to it before it replaces the current one. */
export function ChangeEmail({ email }: { email: string }) {
  const account = useAccount();
  const action = useFormAction();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [touched, setTouched] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const currentError = current ? null : "Enter your current password";
  const nextError =
    validateEmail(next) ?? (next.trim().toLowerCase() === email.toLowerCase() ? "That is your email already" : null);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setTouched(true);
    setSentTo(null);
    if (currentError || nextError || action.waiting) return;
    const address = next.trim();
    if (await action.run(async () => void (await account.changeEmail(current, address)))) {
      setCurrent("");
      setNext("");
      setTouched(false);
      setSentTo(address);
    }
  }

  return (
    <SettingsCard id="email" title="Email" description="We mail a link to the new address; your email changes once it is opened.">
      <form onSubmit={onSubmit} noValidate aria-label="Change email" className="grid gap-4 sm:max-w-sm">
        {action.error && <FormAlert>{action.error}</FormAlert>}
        {sentTo && (
          <FormAlert kind="success">
            We sent a link to {sentTo}. Open it to finish the change; until then you log in with {email}.
          </FormAlert>
        )}
        <FormField
          label="New email"
          type="email"
          autoComplete="email"
          inputMode="email"
          value={next}
          onValue={setNext}
          error={touched ? nextError : null}
        />
        <FormField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onValue={setCurrent}
          error={touched ? currentError : null}
        />
        <Button type="submit" className="justify-self-start" disabled={action.busy || action.waiting}>
          {action.busy && <Loader2 className="animate-spin" aria-hidden />}
          Change email
        </Button>
      </form>
    </SettingsCard>
  );
}
