"use client";

import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, UserMinus, UserPlus } from "lucide-react";
import { useEffect, useState } from "react";

import { ListNote, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { countLabel, nextCursor, pagedItems } from "@/lib/admin/pages";
import type { AdminUser, Group } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

const SEARCH_DELAY_MS = 250;
const SUGGESTIONS = 8;

/** Finds accounts by email prefix and adds the one picked to the group. */
function AddMember({ group, memberIds, onAdded }: { group: Group; memberIds: Set<string>; onAdded: () => void }) {
  const { auth } = useAdmin();
  const [typed, setTyped] = useState("");
  const [q, setQ] = useState("");
  const [adding, setAdding] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => setQ(typed.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  const found = useQuery({
    queryKey: queryKeys.admin.userSuggestions(q),
    queryFn: () => auth.listUsers(q, null, SUGGESTIONS),
    enabled: q.length > 0,
  });

  async function add(user: AdminUser) {
    setAdding(user.id);
    setError(null);
    try {
      await auth.addMember(group.id, user.id);
      onAdded();
      setTyped("");
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setAdding(null);
    }
  }

  return (
    <div className="grid gap-2">
      {error && <FormAlert>{error}</FormAlert>}
      <Input
        type="search"
        aria-label="Find a user to add by email"
        placeholder="Add a member: email starts with…"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        className="sm:max-w-sm"
      />
      {q && found.isSuccess && (
        <ul className="grid gap-1 sm:max-w-sm" aria-label="Matching users">
          {found.data.items.length === 0 && <li className="text-sm text-muted-foreground">No email starts with “{q}”.</li>}
          {found.data.items.map((user) => (
            <li key={user.id} className="flex items-center justify-between gap-2 rounded-md border px-3 py-1.5 text-sm">
              <span className="min-w-0 truncate">{user.email}</span>
              {memberIds.has(user.id) || user.groups.includes(group.id) ? (
                <span className="text-xs text-muted-foreground">Member</span>
              ) : (
                <Button size="sm" variant="outline" onClick={() => void add(user)} disabled={adding !== null} aria-label={`Add ${user.email}`}>
                  {adding === user.id ? <Loader2 className="animate-spin" aria-hidden /> : <UserPlus aria-hidden />}
                  Add
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The group's members, 50 at a time; add by email, remove one by one. */
export function GroupMembers({ group }: { group: Group }) {
  const { auth } = useAdmin();
  const queryClient = useQueryClient();
  const [removing, setRemoving] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const members = useInfiniteQuery({
    queryKey: queryKeys.admin.groupMembers(group.id),
    queryFn: ({ pageParam }) => auth.groupMembers(group.id, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: nextCursor,
  });
  const items = pagedItems(members.data?.pages);

  function changed() {
    void queryClient.invalidateQueries({ queryKey: queryKeys.admin.groupMembers(group.id) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.admin.groups() });
    void queryClient.invalidateQueries({ queryKey: queryKeys.admin.allUsers() });
  }

  async function remove(user: AdminUser) {
    setRemoving(user.id);
    setError(null);
    try {
      await auth.removeMember(group.id, user.id);
      changed();
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setRemoving(null);
    }
  }

  return (
    <Section
      id="members"
      title="Members"
      description={members.isSuccess ? countLabel(items.length, group.members, ["member", "members"]) : undefined}
    >
      <div className="grid gap-4">
        <AddMember group={group} memberIds={new Set(items.map((u) => u.id))} onAdded={changed} />
        {error && <FormAlert>{error}</FormAlert>}
        {members.isPending ? (
          <ListNote>Loading members…</ListNote>
        ) : members.isError ? (
          <ListNote kind="error">{describeAdminError(members.error)}</ListNote>
        ) : items.length === 0 ? (
          <ListNote>No members yet.</ListNote>
        ) : (
          <ul className="divide-y rounded-md border" aria-label="Members">
            {items.map((user) => (
              <li key={user.id} className="flex items-center justify-between gap-2 px-3 py-2 text-sm" data-testid="member-row">
                <span className="min-w-0 truncate">{user.email}</span>
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => void remove(user)}
                  disabled={removing !== null}
                  aria-label={`Remove ${user.email}`}
                >
                  {removing === user.id ? <Loader2 className="animate-spin" aria-hidden /> : <UserMinus aria-hidden />}
                  Remove
                </Button>
              </li>
            ))}
          </ul>
        )}
        {members.hasNextPage && (
          <Button variant="outline" className="justify-self-center" onClick={() => void members.fetchNextPage()} disabled={members.isFetchingNextPage}>
            {members.isFetchingNextPage && <Loader2 className="animate-spin" aria-hidden />}
            Load more
          </Button>
        )}
      </div>
    </Section>
  );
}
