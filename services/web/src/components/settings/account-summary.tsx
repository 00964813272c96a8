"use client";

import { CheckCircle2, CircleAlert } from "lucide-react";

import { ResendVerification } from "@/components/account/resend-verification";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { groupsOf, ROLE_LABELS, roleOf } from "@/lib/admin/access";
import type { User } from "@/lib/types";

/**
 * The account's email, whether it is confirmed, its role and groups (which decide the models it
 * may use), and an email change waiting for its link.
 */
export function AccountSummary({ user }: { user: User }) {
  return (
    <Card aria-labelledby="account-heading">
      <CardHeader>
        <h2 id="account-heading" className="font-semibold">
          Account
        </h2>
        <CardDescription>The email you log in with.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        <div className="flex flex-wrap items-center gap-3">
          <span className="font-medium break-all" data-testid="settings-email">
            {user.email}
          </span>
          {user.is_verified ? (
            <span className="inline-flex items-center gap-1 rounded-full bg-brand/10 px-2 py-0.5 text-xs font-medium text-brand" data-testid="verification-state">
              <CheckCircle2 className="size-3.5" aria-hidden />
              Confirmed
            </span>
          ) : (
            <span className="inline-flex items-center gap-1 rounded-full bg-destructive/10 px-2 py-0.5 text-xs font-medium text-destructive" data-testid="verification-state">
              <CircleAlert className="size-3.5" aria-hidden />
              Not confirmed
            </span>
          )}
        </div>
        {!user.is_verified && (
          <div className="grid gap-2 sm:max-w-xs">
            <p className="text-sm text-muted-foreground">Open the link we mailed you to confirm this address.</p>
            <ResendVerification email={user.email} size="sm" />
          </div>
        )}
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
          <dt className="text-muted-foreground">Role</dt>
          <dd data-testid="settings-role">{ROLE_LABELS[roleOf(user)]}</dd>
          <dt className="text-muted-foreground">Groups</dt>
          <dd>
            {groupsOf(user).length === 0 ? (
              <span className="text-muted-foreground" data-testid="settings-groups">
                None
              </span>
            ) : (
              <ul className="flex flex-wrap gap-1" data-testid="settings-groups" aria-label="Your groups">
                {groupsOf(user).map((slug) => (
                  <li key={slug} className="rounded-full bg-secondary px-2 py-0.5 text-xs font-medium text-secondary-foreground">
                    {slug}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
        {user.pending_email && (
          <p className="text-sm text-muted-foreground" data-testid="pending-email">
            Changing to <span className="font-medium text-foreground">{user.pending_email}</span>: open the link we
            mailed there to finish.
          </p>
        )}
      </CardContent>
    </Card>
  );
}
