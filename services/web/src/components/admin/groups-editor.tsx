"use client";

import { useQueryClient } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import Link from "next/link";
import { useState } from "react";

import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { membershipChange } from "@/lib/admin/groups";
import type { AdminUser, Group } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

/**
 * A user's groups as checkboxes (mounted when opened, so it starts from the user as loaded). Saving adds and removes one membership at a time: the user's
 * list mixes manual and single sign-on memberships, and only the changed ones may be touched.
 */
export function GroupsEditor({
  open,
  onOpenChange,
  user,
  groups,
  onSaved,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  user: AdminUser;
  groups: Group[] | undefined;
  onSaved: (user: AdminUser) => void;
}) {
  const { auth } = useAdmin();
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState<string[]>(user.groups);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Groups the user is in that the list lacks (made by single sign-on since it was loaded).
  const known = new Set(groups?.map((g) => g.id));
  const choices = [...(groups ?? []), ...user.groups.filter((g) => !known.has(g)).map((id) => ({ id, name: id }))];

  async function save() {
    setBusy(true);
    setError(null);
    const change = membershipChange(user.groups, chosen);
    try {
      for (const group of change.add) await auth.addMember(group, user.id);
      for (const group of change.remove) await auth.removeMember(group, user.id);
      onSaved(await auth.getUser(user.id));
      onOpenChange(false);
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setBusy(false);
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.groups() });
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Groups of {user.email}</DialogTitle>
          <DialogDescription>Members of a group may use the models allowed to it.</DialogDescription>
        </DialogHeader>
        {error && <FormAlert>{error}</FormAlert>}
        {choices.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            There are no groups yet. <Link href="/admin/groups" className="underline underline-offset-4">Create one</Link>.
          </p>
        ) : (
          <ul className="grid gap-2">
            {choices.map((group) => {
              const id = `group-${user.id}-${group.id}`;
              return (
                <li key={group.id} className="flex items-center gap-2">
                  <Checkbox
                    id={id}
                    checked={chosen.includes(group.id)}
                    onCheckedChange={(checked) =>
                      setChosen((now) => (checked === true ? [...now, group.id] : now.filter((g) => g !== group.id)))
                    }
                  />
                  <label htmlFor={id} className="text-sm">
                    {group.name} <span className="text-muted-foreground">({group.id})</span>
                  </label>
                </li>
              );
            })}
          </ul>
        )}
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button onClick={() => void save()} disabled={busy}>
            {busy && <Loader2 className="animate-spin" aria-hidden />}
            Save groups
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
