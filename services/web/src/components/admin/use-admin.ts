"use client";

import { useMemo } from "react";

import { useAuthSession } from "@/components/auth-provider";
import { AuthAdmin } from "@/lib/admin/auth-admin";
import { CatalogAdmin } from "@/lib/admin/catalog-admin";
import { KeysAdmin } from "@/lib/api-keys";
import { UsageAdmin } from "@/lib/usage/client";

/** The admin API clients on the tab's session (its token, its one refresh). */
export function useAdmin(): { auth: AuthAdmin; catalog: CatalogAdmin; keys: KeysAdmin; usage: UsageAdmin } {
  const session = useAuthSession();
  return useMemo(
    () => ({
      auth: new AuthAdmin(session.api),
      catalog: new CatalogAdmin(session.api),
      keys: new KeysAdmin(session.api),
      usage: new UsageAdmin(session.api),
    }),
    [session],
  );
}
