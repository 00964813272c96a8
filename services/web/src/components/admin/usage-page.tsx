"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { BudgetsSection } from "@/components/admin/budgets-section";
import { PageTitle } from "@/components/admin/section";
import { UsageSection } from "@/components/admin/usage-section";
import { useAdmin } from "@/components/admin/use-admin";
import { queryKeys } from "@/lib/query-keys";
import { lastDays, rangeProblem } from "@/lib/usage/days";
import type { UsageQuery } from "@/lib/usage/types";

/** /admin/usage: the budgets editor, and usage totals per user, group, model or day. */
export function UsagePage() {
  const { usage } = useAdmin();
  const [form, setForm] = useState<UsageQuery>(() => ({ by: "user", ...lastDays(30) }));
  // The table follows the form once its range is one the server takes.
  const problem = rangeProblem(form.since, form.until);
  const [query, setQuery] = useState(form);
  if (!problem && query !== form) setQuery(form);
  const table = useQuery({
    queryKey: queryKeys.admin.usage(query),
    queryFn: () => usage.usage(query),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageTitle>Usage</PageTitle>
      <BudgetsSection currency={table.data?.currency ?? "USD"} />
      <UsageSection form={form} onForm={setForm} problem={problem} table={table} />
    </>
  );
}
