"use client";

import { useQueryClient } from "@tanstack/react-query";
import { Loader2, MailCheck, MoreHorizontal, Power, PowerOff, Trash2, Users } from "lucide-react";
import { useState } from "react";

import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { GroupsEditor } from "@/components/admin/groups-editor";
import { useAdmin } from "@/components/admin/use-admin";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { NativeSelect } from "@/components/ui/native-select";
import { TableCell, TableRow } from "@/components/ui/table";
import { ROLE_LABELS } from "@/lib/admin/access";
import { groupLabel } from "@/lib/admin/groups";
import { withItem, withoutItem, type LoadedPages } from "@/lib/admin/pages";
import type { AdminUser, AdminUserPatch, Group } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";
import type { Role } from "@/lib/types";

type Pending = "deactivate" | "delete" | "groups" | null;

/** One account: its role, groups and state, and what an admin can do to it. */
export function UserRow({ user, q, groups }: { user: AdminUser; q: string; groups: Group[] | undefined }) {
  const { auth } = useAdmin();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ kind: "error" | "done"; text: string } | null>(null);
  const key = queryKeys.admin.users(q);

  function show(changed: AdminUser) {
    queryClient.setQueryData<LoadedPages<AdminUser>>(key, (data) => withItem(data, changed));
  }

  async function act(call: () => Promise<void>, done?: string) {
    setBusy(true);
    setNote(null);
    try {
      await call();
      if (done) setNote({ kind: "done", text: done });
    } catch (e) {
      setNote({ kind: "error", text: describeAdminError(e) });
    } finally {
      setBusy(false);
    }
  }

  const patch = (body: AdminUserPatch) => act(async () => show(await auth.updateUser(user.id, body)));

  return (
    <TableRow data-testid="user-row" data-email={user.email}>
      <TableCell className="max-w-72">
        <div className="flex flex-wrap items-center gap-1.5">
          <span className="font-medium break-all">{user.email}</span>
          {!user.is_verified && <Badge variant="destructive">Not confirmed</Badge>}
          {user.sso.map((provider) => (
            <Badge key={provider} variant="outline">
              {provider}
            </Badge>
          ))}
        </div>
        {user.pending_email && <p className="text-xs text-muted-foreground">Changing to {user.pending_email}</p>}
        {note && (
          <p role={note.kind === "error" ? "alert" : "status"} className={note.kind === "error" ? "text-xs text-destructive" : "text-xs text-brand"}>
            {note.text}
          </p>
        )}
      </TableCell>
      <TableCell>
        <NativeSelect
          aria-label={`Role of ${user.email}`}
          value={user.role}
          disabled={busy}
          onChange={(e) => void patch({ role: e.target.value as Role })}
          className="w-40"
        >
          {(Object.keys(ROLE_LABELS) as Role[]).map((role) => (
            <option key={role} value={role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </NativeSelect>
      </TableCell>
      <TableCell>
        <div className="flex flex-wrap items-center gap-1">
          {user.groups.map((slug) => (
            <Badge key={slug}>{groupLabel(groups, slug)}</Badge>
          ))}
          <Button variant="ghost" size="sm" onClick={() => setPending("groups")} aria-label={`Groups of ${user.email}`}>
            <Users aria-hidden />
            {user.groups.length ? "Edit" : "Add"}
          </Button>
        </div>
      </TableCell>
      <TableCell>
        {user.active ? <Badge variant="brand">Active</Badge> : <Badge variant="destructive">Deactivated</Badge>}
      </TableCell>
      <TableCell>
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button variant="ghost" size="icon-sm" aria-label={`Actions for ${user.email}`} disabled={busy}>
              {busy ? <Loader2 className="animate-spin" aria-hidden /> : <MoreHorizontal aria-hidden />}
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="end" className="w-52">
            {!user.is_verified && (
              <DropdownMenuItem
                onSelect={() => void act(() => auth.resendVerification(user.id), `Confirmation mail sent to ${user.email}.`)}
              >
                <MailCheck aria-hidden />
                Resend confirmation
              </DropdownMenuItem>
            )}
            {user.active ? (
              <DropdownMenuItem onSelect={() => setPending("deactivate")}>
                <PowerOff aria-hidden />
                Deactivate…
              </DropdownMenuItem>
            ) : (
              <DropdownMenuItem onSelect={() => void patch({ active: true })}>
                <Power aria-hidden />
                Reactivate
              </DropdownMenuItem>
            )}
            <DropdownMenuItem variant="destructive" onSelect={() => setPending("delete")}>
              <Trash2 aria-hidden />
              Delete…
            </DropdownMenuItem>
          </DropdownMenuContent>
        </DropdownMenu>
        <ConfirmDialog
          open={pending === "deactivate"}
          onOpenChange={(open) => setPending(open ? "deactivate" : null)}
          title={`Deactivate ${user.email}?`}
          description="They are logged out everywhere within a minute and cannot log in until you reactivate the account. Their chats are kept."
          confirm="Deactivate"
          destructive
          onConfirm={async () => show(await auth.updateUser(user.id, { active: false }))}
        />
        <ConfirmDialog
          open={pending === "delete"}
          onOpenChange={(open) => setPending(open ? "delete" : null)}
          title={`Delete ${user.email}?`}
          description="The account and all its chats are deleted for good. This cannot be undone."
          confirm="Delete for good"
          destructive
          onConfirm={async () => {
            await auth.deleteUser(user.id);
            queryClient.setQueryData<LoadedPages<AdminUser>>(key, (data) => withoutItem(data, user.id));
            void queryClient.invalidateQueries({ queryKey: queryKeys.admin.groups() });
          }}
        />
        {pending === "groups" && (
          <GroupsEditor open onOpenChange={(open) => setPending(open ? "groups" : null)} user={user} groups={groups} onSaved={show} />
        )}
      </TableCell>
    </TableRow>
  );
}
