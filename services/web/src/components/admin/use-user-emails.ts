"use client";

import { useQueries } from "@tanstack/react-query";

import { useAdmin } from "@/components/admin/use-admin";
import { queryKeys } from "@/lib/query-keys";

/** Look-ups at most per list: one request each to auth (it has no batch look-up). */
const MAX_LOOKUPS = 100;

/**
 * The emails of these user ids, as auth's console knows them (ids it cannot resolve, such as
 * deleted accounts, stay out of the map and are shown as ids).
 */
export function useUserEmails(ids: string[]): Map<string, string> {
  const { auth } = useAdmin();
  const wanted = [...new Set(ids.filter(Boolean))].slice(0, MAX_LOOKUPS);
  const users = useQueries({
    queries: wanted.map((id) => ({
      queryKey: queryKeys.admin.user(id),
      queryFn: () => auth.getUser(id),
      staleTime: 5 * 60_000,
      retry: false,
    })),
  });
  const emails = new Map<string, string>();
  for (const user of users) if (user.data) emails.set(user.data.id, user.data.email);
  return emails;
}
