"use client";

import { keepPreviousData, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { Filter, Loader2, X } from "lucide-react";
import { useState } from "react";

import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { ListNote, PageTitle, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { KeyTable } from "@/components/api-key-table";
import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { nextCursor, pagedItems } from "@/lib/admin/pages";
import type { AdminApiKey } from "@/lib/api-keys";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

/** /admin/keys: every user's API keys (or one user's), newest first, 50 at a time; revoke one. */
export function KeysPage() {
  const { keys } = useAdmin();
  const queryClient = useQueryClient();
  const [userInput, setUserInput] = useState("");
  const [userId, setUserId] = useState("");
  const [revoking, setRevoking] = useState<AdminApiKey | null>(null);
  const list = useInfiniteQuery({
    queryKey: queryKeys.admin.apiKeys(userId),
    queryFn: ({ pageParam }) => keys.list(userId, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: nextCursor,
    placeholderData: keepPreviousData,
  });
  const items = pagedItems(list.data?.pages);

  return (
    <>
      <PageTitle>API keys</PageTitle>
      <Section
        id="api-keys"
        title="Keys"
        description="Keys people made to use the OpenAI-compatible API. Revoking one stops it at once; its owner can make another."
      >
        <form
          aria-label="Filter keys"
          noValidate
          className="mb-4 flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            setUserId(userInput.trim());
          }}
        >
          <div className="min-w-64 flex-1 sm:max-w-md">
            <FormField label="Owner's user id" value={userInput} onValue={setUserInput} placeholder="All users" />
          </div>
          <Button type="submit" variant="outline">
            <Filter aria-hidden />
            Filter
          </Button>
          {userId && (
            <Button
              type="button"
              variant="ghost"
              onClick={() => {
                setUserInput("");
                setUserId("");
              }}
            >
              <X aria-hidden />
              Clear
            </Button>
          )}
        </form>
        {list.isPending ? (
          <ListNote>Loading keys…</ListNote>
        ) : list.isError ? (
          <ListNote kind="error">{describeAdminError(list.error)}</ListNote>
        ) : items.length === 0 ? (
          <ListNote>{userId ? "This user has no keys." : "No keys."}</ListNote>
        ) : (
          <KeyTable
            items={items}
            onRevoke={setRevoking}
            rowTestId="admin-key-row"
            owner={(key) => (
              <button
                type="button"
                className="text-left hover:underline"
                title="Show only this user's keys"
                onClick={() => {
                  setUserInput(key.user_id);
                  setUserId(key.user_id);
                }}
              >
                {key.user_id}
              </button>
            )}
          />
        )}
        {list.hasNextPage && (
          <div className="flex justify-center pt-4">
            <Button variant="outline" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              {list.isFetchingNextPage && <Loader2 className="animate-spin" aria-hidden />}
              Load more
            </Button>
          </div>
        )}
      </Section>
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        description="Programs using this key are refused from now on. Its owner sees it as revoked."
        confirm="Revoke key"
        destructive
        onConfirm={async () => {
          if (revoking) await keys.revoke(revoking.id);
          await queryClient.invalidateQueries({ queryKey: queryKeys.admin.allApiKeys() });
        }}
      />
    </>
  );
}
