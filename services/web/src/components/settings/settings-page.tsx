"use client";

import { useSearchParams } from "next/navigation";
import { useEffect } from "react";

import { useAccount, useAuth } from "@/components/auth-provider";
import { PageShell } from "@/components/page-shell";
import { AccountSummary } from "@/components/settings/account-summary";
import { ApiKeysLink } from "@/components/settings/api-keys-link";
import { ChangeEmail } from "@/components/settings/change-email";
import { ChangePassword } from "@/components/settings/change-password";
import { DeleteAccount } from "@/components/settings/delete-account";
import { LogOutEverywhere } from "@/components/settings/log-out-everywhere";
import { UsageLink } from "@/components/settings/usage-link";
import { useLoginOptions } from "@/components/sso-buttons";

/** /settings: the account's email and its state, password, email, usage, API keys, sessions, deletion. */
export function SettingsPage() {
  const { state } = useAuth();
  const account = useAccount();
  const { options } = useLoginOptions();
  // A deletion confirmed at the provider and refused by the auth service comes back here.
  const deletionError = useSearchParams().get("sso_error");

  useEffect(() => {
    // A link opened in another tab or device may have confirmed or changed the email meanwhile.
    void account.reloadUser().catch(() => undefined);
  }, [account]);

  if (state.status !== "authenticated") return null; // RequireAuth shows the spinner meanwhile
  const { user } = state;
  return (
    <PageShell title="Settings">
      <AccountSummary user={user} />
      {/* On an SSO-only server the auth service refuses both (they need the password). */}
      {options?.password_login !== false && (
        <>
          <ChangePassword email={user.email} />
          <ChangeEmail email={user.email} />
        </>
      )}
      <UsageLink />
      <ApiKeysLink />
      <LogOutEverywhere />
      <DeleteAccount user={user} options={options} ssoError={deletionError} />
    </PageShell>
  );
}
