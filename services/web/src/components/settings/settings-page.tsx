"use client";

import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { useEffect } from "react";

import { useAccount, useAuth } from "@/components/auth-provider";
import { AccountSummary } from "@/components/settings/account-summary";
import { ApiKeysLink } from "@/components/settings/api-keys-link";
import { ChangeEmail } from "@/components/settings/change-email";
import { ChangePassword } from "@/components/settings/change-password";
import { DeleteAccount } from "@/components/settings/delete-account";
import { LogOutEverywhere } from "@/components/settings/log-out-everywhere";
import { UsageLink } from "@/components/settings/usage-link";
import { useLoginOptions } from "@/components/sso-buttons";
import { Button } from "@/components/ui/button";

/** /settings: the account's email and its state, password, email, usage, API keys, sessions, deletion. */
export function SettingsPage() {
  const { state } = useAuth();
  const account = useAccount();
  const { options } = useLoginOptions();

  useEffect(() => {
    // A link opened in another tab or device may have confirmed or changed the email meanwhile.
    void account.reloadUser().catch(() => undefined);
  }, [account]);

  if (state.status !== "authenticated") return null; // RequireAuth shows the spinner meanwhile
  const { user } = state;
  return (
    <div className="min-h-dvh bg-muted/40">
      <header className="sticky top-0 z-10 flex h-14 items-center gap-2 border-b bg-background px-3 sm:px-4">
        <Button asChild variant="ghost" size="sm">
          <Link href="/chats">
            <ArrowLeft aria-hidden />
            Back to chats
          </Link>
        </Button>
      </header>
      <main className="mx-auto grid w-full max-w-2xl gap-6 px-4 py-8">
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
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
        <DeleteAccount />
      </main>
    </div>
  );
}
