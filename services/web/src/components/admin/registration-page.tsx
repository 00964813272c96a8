"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { useState } from "react";

import { InvitesSection } from "@/components/admin/invites-section";
import { ListNote, PageTitle, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { parseDomains, policyProblem, REGISTRATION_MODES } from "@/lib/admin/registration";
import type { RegistrationMode, RegistrationPolicy } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

/** The policy form, started from the saved policy (mounted once it is loaded). */
function PolicyForm({ saved }: { saved: RegistrationPolicy }) {
  const { auth } = useAdmin();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<RegistrationMode>(saved.mode);
  const [domainsText, setDomainsText] = useState(saved.domains.join("\n"));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const parsed = parseDomains(domainsText);
  const problem = policyProblem(mode, parsed);

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setMessage(null);
    if (problem) return setMessage({ kind: "error", text: problem });
    setBusy(true);
    try {
      const policy = await auth.putRegistration(mode, parsed.domains);
      queryClient.setQueryData(queryKeys.admin.registration(), policy);
      setDomainsText(policy.domains.join("\n"));
      setMessage({ kind: "success", text: "Registration policy saved." });
    } catch (e) {
      setMessage({ kind: "error", text: describeAdminError(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={save} noValidate aria-label="Registration policy" className="grid gap-4">
      {message && <FormAlert kind={message.kind}>{message.text}</FormAlert>}
      {saved.sso_only && (
        <FormAlert kind="notice">
          This server signs users in through single sign-on only (SSO_ONLY): nobody can register with a password, whatever the
          policy says.
        </FormAlert>
      )}
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">Who may create an account</legend>
        {REGISTRATION_MODES.map((choice) => (
          <label key={choice.mode} className="flex items-start gap-3 rounded-md border p-3 text-sm has-[:checked]:border-brand">
            <input
              type="radio"
              name="registration-mode"
              value={choice.mode}
              checked={mode === choice.mode}
              onChange={() => setMode(choice.mode)}
              className="mt-0.5 accent-[var(--brand)]"
            />
            <span>
              <span className="font-medium">{choice.label}</span>
              <span className="block text-muted-foreground">{choice.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="grid gap-2">
        <Label htmlFor="registration-domains">Allowed domains</Label>
        <Textarea
          id="registration-domains"
          value={domainsText}
          onChange={(e) => setDomainsText(e.target.value)}
          placeholder={"example.com\nlab.example.org"}
          aria-describedby="registration-domains-hint"
        />
        <p id="registration-domains-hint" className="text-xs text-muted-foreground">
          One a line. Used when the mode is “Domains”.
        </p>
      </div>
      <p className="text-xs text-muted-foreground">
        {saved.conceals_accounts
          ? "Registration answers the same whether an address has an account or not."
          : "Registration says when an address has an account already."}
      </p>
      <Button type="submit" className="justify-self-start" disabled={busy}>
        {busy && <Loader2 className="animate-spin" aria-hidden />}
        Save policy
      </Button>
    </form>
  );
}

/** /admin/registration: who may create an account, and the invite codes. */
export function RegistrationPage() {
  const { auth } = useAdmin();
  const policy = useQuery({ queryKey: queryKeys.admin.registration(), queryFn: () => auth.getRegistration() });
  return (
    <>
      <PageTitle>Registration</PageTitle>
      <Section id="policy" title="Policy" description="Until you save one, the server's settings decide.">
        {policy.isPending ? (
          <ListNote>Loading the policy…</ListNote>
        ) : policy.isError ? (
          <ListNote kind="error">{describeAdminError(policy.error)}</ListNote>
        ) : (
          <PolicyForm saved={policy.data} />
        )}
      </Section>
      <InvitesSection />
    </>
  );
}
