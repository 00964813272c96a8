"use client";

import { useQuery } from "@tanstack/react-query";

import { PageShell } from "@/components/page-shell";
import { useAuth, useAuthSession } from "@/components/auth-provider";
import { SettingsCard } from "@/components/settings/settings-card";
import { BudgetCard } from "@/components/usage/budget-card";
import { UsageChart } from "@/components/usage/usage-chart";
import { useNow } from "@/components/use-now";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { describeError } from "@/lib/errors";
import { modelName } from "@/lib/models";
import { queryKeys } from "@/lib/query-keys";
import { fetchUsage } from "@/lib/usage/client";
import { fillDays } from "@/lib/usage/days";
import { formatCost, formatTokens, tokenCount } from "@/lib/usage/format";
import type { UsageReport } from "@/lib/usage/types";

function Figure({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId: string }) {
  return (
    <div className="grid gap-0.5">
      <span className="text-xs text-muted-foreground">{label}</span>
      <span className="text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </span>
      {detail && <span className="text-xs text-muted-foreground">{detail}</span>}
    </div>
  );
}

/** "4 at a time" / "No limit" (0 turns a limit off). */
function limit(value: number, unit: string): string {
  return value > 0 ? `${value.toLocaleString()} ${unit}` : "No limit";
}

function Report({ usage }: { usage: UsageReport }) {
  const now = useNow();
  const session = useAuthSession();
  const models = useQuery({ queryKey: queryKeys.models(), queryFn: () => session.api.listModels(), staleTime: 60_000 });
  const { today, currency } = usage;
  const days = fillDays(usage.by_day, usage.since, usage.until);
  const period = days.reduce((sum, d) => ({ tokens: sum.tokens + d.tokens, cost: sum.cost + d.cost }), { tokens: 0, cost: 0 });
  return (
    <>
      <SettingsCard id="usage-today" title="Today" description="Your use of the models since midnight UTC, in the chat and through API keys.">
        <div className="grid grid-cols-3 gap-4">
          <Figure
            label="Tokens"
            value={formatTokens(today.tokens)}
            detail={`${formatTokens(today.input_tokens)} in, ${formatTokens(today.output_tokens)} out`}
            testId="usage-today-tokens"
          />
          <Figure label="Cost" value={formatCost(today.cost, currency)} testId="usage-today-cost" />
          <Figure label="Model calls" value={formatTokens(today.calls)} testId="usage-today-calls" />
        </div>
      </SettingsCard>

      <SettingsCard
        id="usage-days"
        title={`Last ${days.length} days`}
        description={`${tokenCount(period.tokens)} and ${formatCost(period.cost, currency)} in all. Days are UTC days.`}
      >
        <UsageChart days={days} />
      </SettingsCard>

      <SettingsCard id="usage-models" title="By model" description={`The last ${days.length} days, per model.`}>
        {usage.by_model.length === 0 ? (
          <p role="status" className="text-sm text-muted-foreground">Nothing used in these days.</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Model</TableHead>
                <TableHead className="text-right">Calls</TableHead>
                <TableHead className="text-right">Input</TableHead>
                <TableHead className="text-right">Output</TableHead>
                <TableHead className="text-right">Tokens</TableHead>
                <TableHead className="text-right">Cost</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {usage.by_model.map((m) => (
                <TableRow key={m.model} data-testid="usage-model-row">
                  <TableCell className="font-medium">{modelName(models.data, m.model) ?? m.model}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatTokens(m.calls)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatTokens(m.input_tokens)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatTokens(m.output_tokens)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatTokens(m.tokens)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatCost(m.cost, currency)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </SettingsCard>

      <SettingsCard
        id="usage-budgets"
        title="Budgets"
        description="Set by your administrators. A message is sent only when every budget here has room for it; a group's budget is shared by its members."
      >
        {usage.budgets.length === 0 ? (
          <p role="status" className="text-sm text-muted-foreground">No budget applies to you.</p>
        ) : (
          <ul className="grid gap-3">
            {usage.budgets.map((budget) => (
              <BudgetCard key={budget.id} budget={budget} currency={currency} now={now} />
            ))}
          </ul>
        )}
      </SettingsCard>

      <SettingsCard id="usage-limits" title="Limits" description="How fast you may send, whatever your budgets.">
        <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm">
          <dt className="text-muted-foreground">Replies being written at once</dt>
          <dd data-testid="usage-limit-in-flight">{limit(usage.limits.replies_in_flight, "at a time")}</dd>
          <dt className="text-muted-foreground">Messages a minute</dt>
          <dd data-testid="usage-limit-per-minute">{limit(usage.limits.turns_per_minute, "a minute")}</dd>
        </dl>
      </SettingsCard>
    </>
  );
}

/** /usage: the signed-in user's tokens and cost (today, per day, per model), budgets and limits. */
export function UsagePage() {
  const { state } = useAuth();
  const session = useAuthSession();
  const usage = useQuery({ queryKey: queryKeys.usage(), queryFn: () => fetchUsage(session.api) });

  if (state.status !== "authenticated") return null; // RequireAuth shows the spinner meanwhile
  return (
    <PageShell title="Usage" className="max-w-3xl">
      {usage.isPending ? (
        <p role="status" className="text-sm text-muted-foreground">Loading your usage…</p>
      ) : usage.isError ? (
        <p role="alert" className="text-sm text-destructive">{describeError(usage.error)}</p>
      ) : (
        <Report usage={usage.data} />
      )}
    </PageShell>
  );
}
