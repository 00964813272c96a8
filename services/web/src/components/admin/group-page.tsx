"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, Loader2, Pencil, Trash2 } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { GroupMembers } from "@/components/admin/group-members";
import { GroupModels } from "@/components/admin/group-models";
import { ListNote, PageTitle } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { GROUP_NAME_MAX, validateGroupName } from "@/lib/admin/groups";
import type { Group } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

function RenameGroup({ group, open, onOpenChange }: { group: Group; open: boolean; onOpenChange: (open: boolean) => void }) {
  const { auth } = useAdmin();
  const queryClient = useQueryClient();
  const [name, setName] = useState(group.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameError = validateGroupName(name);

  async function save(event: React.FormEvent) {
    event.preventDefault();
    if (nameError) return;
    setBusy(true);
    setError(null);
    try {
      await auth.renameGroup(group.id, name.trim());
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin.groups() });
      onOpenChange(false);
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
    >
      <DialogContent>
        <form onSubmit={save} noValidate aria-label="Rename group" className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Rename {group.name}</DialogTitle>
            <DialogDescription>The id ({group.id}) stays: models and single sign-on name the group by it.</DialogDescription>
          </DialogHeader>
          {error && <FormAlert>{error}</FormAlert>}
          <FormField label="Group name" value={name} onValue={setName} maxLength={GROUP_NAME_MAX} error={nameError} autoFocus />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={busy || !!nameError}>
              {busy && <Loader2 className="animate-spin" aria-hidden />}
              Rename
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** /admin/groups/{id}: rename, delete, members, and the models the group may use. */
export function GroupPage({ groupId }: { groupId: string }) {
  const { auth } = useAdmin();
  const queryClient = useQueryClient();
  const router = useRouter();
  const groups = useQuery({ queryKey: queryKeys.admin.groups(), queryFn: () => auth.listGroups() });
  const [pending, setPending] = useState<"rename" | "delete" | null>(null);
  const group = groups.data?.find((g) => g.id === groupId);

  const back = (
    <Button asChild variant="ghost" size="sm" className="justify-self-start">
      <Link href="/admin/groups">
        <ArrowLeft aria-hidden />
        All groups
      </Link>
    </Button>
  );
  if (groups.isPending) return <ListNote>Loading the group…</ListNote>;
  if (groups.isError) return <ListNote kind="error">{describeAdminError(groups.error)}</ListNote>;
  if (!group) {
    return (
      <>
        {back}
        <ListNote>There is no group “{groupId}” (it may have been deleted).</ListNote>
      </>
    );
  }
  return (
    <>
      {back}
      <PageTitle
        aside={
          <div className="flex gap-2">
            <Button variant="outline" onClick={() => setPending("rename")}>
              <Pencil aria-hidden />
              Rename
            </Button>
            <Button variant="outline" className="text-destructive" onClick={() => setPending("delete")}>
              <Trash2 aria-hidden />
              Delete…
            </Button>
          </div>
        }
      >
        {group.name} <span className="font-mono text-base font-normal text-muted-foreground">{group.id}</span>
      </PageTitle>
      <GroupMembers group={group} />
      <GroupModels group={group} />
      {pending === "rename" && <RenameGroup group={group} open onOpenChange={(open) => setPending(open ? "rename" : null)} />}
      <ConfirmDialog
        open={pending === "delete"}
        onOpenChange={(open) => setPending(open ? "delete" : null)}
        title={`Delete the group ${group.name}?`}
        description="Its members leave it, and lose the models only this group was allowed. Models that name it keep the name until you change them."
        confirm="Delete group"
        destructive
        onConfirm={async () => {
          await auth.deleteGroup(group.id);
          await queryClient.invalidateQueries({ queryKey: queryKeys.admin.groups() });
          router.push("/admin/groups");
        }}
      />
    </>
  );
}
