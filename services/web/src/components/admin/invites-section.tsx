"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Copy, Loader2, Plus, Trash2 } from "lucide-react";
import { useState } from "react";

import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { ListNote, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { copyText } from "@/lib/code-blocks";
import { inviteBody, inviteLink, inviteState } from "@/lib/admin/registration";
import type { Invite, NewInvite } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

const STATE_LABELS = { active: "Active", expired: "Expired", used_up: "Used up" } as const;

/** The code of an invite just made: shown here once, the server keeps only its hash. */
function NewCode({ invite }: { invite: NewInvite }) {
  const [copied, setCopied] = useState<string | null>(null);
  const link = inviteLink(window.location.origin, invite.code);
  return (
    <FormAlert kind="success">
      <p>Invite made. Copy the code or the link now: it is not shown again.</p>
      <p className="font-mono text-sm break-all text-foreground" data-testid="invite-code">
        {invite.code}
      </p>
      <div className="flex flex-wrap gap-2">
        <Button size="sm" variant="outline" onClick={async () => setCopied((await copyText(invite.code, navigator.clipboard)) ? "Code copied" : "Copy failed")}>
          <Copy aria-hidden />
          Copy code
        </Button>
        <Button size="sm" variant="outline" onClick={async () => setCopied((await copyText(link, navigator.clipboard)) ? "Link copied" : "Copy failed")}>
          <Copy aria-hidden />
          Copy link
        </Button>
        {copied && <span role="status" className="self-center text-xs">{copied}</span>}
      </div>
    </FormAlert>
  );
}

/** Invite codes: make one (note, days valid, uses), list them, revoke one. */
export function InvitesSection() {
  const { auth } = useAdmin();
  const queryClient = useQueryClient();
  const invites = useQuery({ queryKey: queryKeys.admin.invites(), queryFn: () => auth.listInvites() });
  const [form, setForm] = useState({ note: "", days: "7", uses: "1" });
  const [made, setMade] = useState<NewInvite | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Invite | null>(null);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    setMade(null);
    const checked = inviteBody(form);
    if (!checked.body) return setError(checked.error);
    setBusy(true);
    setError(null);
    try {
      setMade(await auth.createInvite(checked.body));
      setForm({ note: "", days: "7", uses: "1" });
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.invites() });
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section id="invites" title="Invites" description="Codes that let someone register while the mode is “Invite only”.">
      <div className="grid gap-4">
        <form onSubmit={create} noValidate aria-label="Create invite" className="grid gap-4 sm:grid-cols-[2fr_1fr_1fr_auto] sm:items-start">
          <FormField label="Note" value={form.note} onValue={(note) => setForm((f) => ({ ...f, note }))} maxLength={200} placeholder="For whom" />
          <FormField label="Valid for (days)" inputMode="numeric" value={form.days} onValue={(days) => setForm((f) => ({ ...f, days }))} hint="Empty: no expiry." />
          <FormField label="Uses" inputMode="numeric" value={form.uses} onValue={(uses) => setForm((f) => ({ ...f, uses }))} />
          <Button type="submit" className="sm:mt-6" disabled={busy}>
            {busy ? <Loader2 className="animate-spin" aria-hidden /> : <Plus aria-hidden />}
            Create invite
          </Button>
        </form>
        {error && <FormAlert>{error}</FormAlert>}
        {made && <NewCode invite={made} />}
        {invites.isPending ? (
          <ListNote>Loading invites…</ListNote>
        ) : invites.isError ? (
          <ListNote kind="error">{describeAdminError(invites.error)}</ListNote>
        ) : invites.data.length === 0 ? (
          <ListNote>No invites.</ListNote>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Note</TableHead>
                <TableHead className="text-right">Used</TableHead>
                <TableHead>Expires</TableHead>
                <TableHead>State</TableHead>
                <TableHead className="w-12" />
              </TableRow>
            </TableHeader>
            <TableBody>
              {invites.data.map((invite) => {
                const state = inviteState(invite);
                return (
                  <TableRow key={invite.id} data-testid="invite-row">
                    <TableCell>{invite.note ?? <span className="text-muted-foreground">No note</span>}</TableCell>
                    <TableCell className="text-right tabular-nums">
                      {invite.uses} / {invite.max_uses}
                    </TableCell>
                    <TableCell>{invite.expires_at ? new Date(invite.expires_at).toLocaleString() : "Never"}</TableCell>
                    <TableCell>
                      <Badge variant={state === "active" ? "brand" : "secondary"}>{STATE_LABELS[state]}</Badge>
                    </TableCell>
                    <TableCell>
                      <Button variant="ghost" size="icon-sm" aria-label={`Revoke invite ${invite.note ?? invite.id}`} onClick={() => setRevoking(invite)}>
                        <Trash2 aria-hidden />
                      </Button>
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </div>
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title="Revoke this invite?"
        description="Its code stops working at once. Accounts made with it stay."
        confirm="Revoke"
        destructive
        onConfirm={async () => {
          if (revoking) await auth.revokeInvite(revoking.id);
          await queryClient.invalidateQueries({ queryKey: queryKeys.admin.invites() });
        }}
      />
    </Section>
  );
}
