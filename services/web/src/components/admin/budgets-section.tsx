"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Pencil, Plus, Trash2 } from "lucide-react";
import { useState } from "react";

import { BudgetDialog } from "@/components/admin/budget-dialog";
import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { ListNote, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { useUserEmails } from "@/components/admin/use-user-emails";
import { useNow } from "@/components/use-now";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";
import { budgetTarget } from "@/lib/usage/budget-form";
import { formatCost, formatTokens, periodName, resetPhrase } from "@/lib/usage/format";
import type { Budget } from "@/lib/usage/types";

/** "100,000 tokens / $5.00": a budget's limits, or what they are at. */
function Figures({ tokens, cost, currency }: { tokens: number | null; cost: number | null; currency: string }) {
  const parts = [tokens !== null && `${formatTokens(tokens)} tokens`, cost !== null && formatCost(cost, currency)].filter(Boolean);
  return <>{parts.join(" / ") || "—"}</>;
}

/** The budgets editor: every budget with its period's use so far; add, change the limits, delete. */
export function BudgetsSection({ currency }: { currency: string }) {
  const { usage } = useAdmin();
  const queryClient = useQueryClient();
  const now = useNow();
  const budgets = useQuery({ queryKey: queryKeys.admin.budgets(), queryFn: () => usage.budgets() });
  const emails = useUserEmails((budgets.data ?? []).filter((b) => b.scope === "user").map((b) => b.scope_id));
  const [editing, setEditing] = useState<Budget | "new" | null>(null);
  const [deleting, setDeleting] = useState<Budget | null>(null);
  const edited = editing === "new" ? null : editing;

  return (
    <Section
      id="budgets"
      title="Budgets"
      description="Limits on tokens or cost per UTC day or month. Every budget that applies to a user must have room for a message: their own (which replaces the everyone budget of its period), each of their groups' (shared by the members), and everyone's."
      actions={
        <Button onClick={() => setEditing("new")}>
          <Plus aria-hidden />
          Add budget
        </Button>
      }
    >
      {budgets.isPending ? (
        <ListNote>Loading budgets…</ListNote>
      ) : budgets.isError ? (
        <ListNote kind="error">{describeAdminError(budgets.error)}</ListNote>
      ) : budgets.data.length === 0 ? (
        <ListNote>No budgets: nobody is limited beyond the per-user rate limits.</ListNote>
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Applies to</TableHead>
              <TableHead>Period</TableHead>
              <TableHead>Limit</TableHead>
              <TableHead>Used</TableHead>
              <TableHead>Left</TableHead>
              <TableHead>Resets</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {budgets.data.map((b) => {
              const target = budgetTarget(b, emails.get(b.scope_id));
              const label = `${target} ${periodName(b.period).toLowerCase()}`;
              return (
                <TableRow key={b.id} data-testid="budget-row" data-scope={b.scope} data-scope-id={b.scope_id} data-period={b.period}>
                  <TableCell className="font-medium">{target}</TableCell>
                  <TableCell>{periodName(b.period)}</TableCell>
                  <TableCell className="tabular-nums">
                    <Figures tokens={b.max_tokens} cost={b.max_cost} currency={currency} />
                  </TableCell>
                  <TableCell className="tabular-nums">
                    {/* Everyone's budget counts each user on their own: no one total to show. */}
                    {b.scope === "everyone" ? (
                      "Per user"
                    ) : (
                      <Figures tokens={b.max_tokens !== null ? b.used_tokens : null} cost={b.max_cost !== null ? b.used_cost : null} currency={currency} />
                    )}
                  </TableCell>
                  <TableCell className="tabular-nums">
                    {b.scope === "everyone" ? "Per user" : <Figures tokens={b.remaining_tokens} cost={b.remaining_cost} currency={currency} />}
                  </TableCell>
                  <TableCell className="text-muted-foreground">{resetPhrase(b.resets_at, now)}</TableCell>
                  <TableCell className="text-right whitespace-nowrap">
                    <Button variant="ghost" size="icon-sm" aria-label={`Edit budget ${label}`} onClick={() => setEditing(b)}>
                      <Pencil aria-hidden />
                    </Button>
                    <Button variant="ghost" size="icon-sm" aria-label={`Delete budget ${label}`} onClick={() => setDeleting(b)}>
                      <Trash2 aria-hidden />
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {editing !== null && (
        <BudgetDialog
          key={edited?.id ?? "new"}
          budget={edited}
          email={edited ? emails.get(edited.scope_id) : undefined}
          currency={currency}
          open
          onOpenChange={(open) => !open && setEditing(null)}
        />
      )}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={deleting ? `Delete the ${periodName(deleting.period).toLowerCase()} budget of ${budgetTarget(deleting, emails.get(deleting.scope_id))}?` : ""}
        description="Its limits stop applying at once. What was used stays counted in the usage tables."
        confirm="Delete budget"
        destructive
        onConfirm={async () => {
          if (deleting) await usage.deleteBudget(deleting.id);
          await queryClient.invalidateQueries({ queryKey: queryKeys.admin.budgets() });
        }}
      />
    </Section>
  );
}
