"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Loader2, Search } from "lucide-react";
import { useEffect, useState } from "react";

import { ListNote, PageTitle, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { UserRow } from "@/components/admin/user-row";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { countLabel, nextCursor, pagedItems } from "@/lib/admin/pages";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

/** Typing waits this long before the search is sent: one request per pause, not per key. */
const SEARCH_DELAY_MS = 250;

/** /admin/users: find accounts by email prefix, 50 at a time, and act on each. */
export function UsersPage() {
  const { auth } = useAdmin();
  const [typed, setTyped] = useState("");
  const [q, setQ] = useState("");

  useEffect(() => {
    const timer = setTimeout(() => setQ(typed.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  const users = useInfiniteQuery({
    queryKey: queryKeys.admin.users(q),
    queryFn: ({ pageParam }) => auth.listUsers(q, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: nextCursor,
    // The rows of the last search stay while the next one loads: no flash, and a row whose
    // menu is open stays mounted.
    placeholderData: keepPreviousData,
  });
  const groups = useQuery({ queryKey: queryKeys.admin.groups(), queryFn: () => auth.listGroups() });
  const items = pagedItems(users.data?.pages);
  const total = users.data?.pages[0]?.total;

  return (
    <>
      <PageTitle>Users</PageTitle>
      <Section
        id="users"
        title="Accounts"
        description={users.isSuccess ? countLabel(items.length, total, ["user", "users"]) : "Everyone with an account on this server."}
        actions={
          <div className="relative w-72 max-w-full">
            <Search className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" aria-hidden />
            <Input
              type="search"
              aria-label="Search by email"
              placeholder="Email starts with…"
              className="pl-8"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
          </div>
        }
      >
        {users.isPending ? (
          <ListNote>Loading users…</ListNote>
        ) : users.isError ? (
          <ListNote kind="error">{describeAdminError(users.error)}</ListNote>
        ) : items.length === 0 ? (
          <ListNote>{q ? `No email starts with “${q}”.` : "No users yet."}</ListNote>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Email</TableHead>
                <TableHead>Role</TableHead>
                <TableHead>Groups</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="w-10">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((user) => (
                <UserRow key={user.id} user={user} q={q} groups={groups.data} />
              ))}
            </TableBody>
          </Table>
        )}
        {users.hasNextPage && (
          <div className="flex justify-center pt-4">
            <Button variant="outline" onClick={() => void users.fetchNextPage()} disabled={users.isFetchingNextPage}>
              {users.isFetchingNextPage && <Loader2 className="animate-spin" aria-hidden />}
              Load more
            </Button>
          </div>
        )}
        {users.isFetchNextPageError && <ListNote kind="error">{describeAdminError(users.error)}</ListNote>}
      </Section>
    </>
  );
}
