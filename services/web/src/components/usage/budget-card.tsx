import { BudgetMeter } from "@/components/usage/budget-meter";
import { formatCost, periodName, resetPhrase, tokenCount } from "@/lib/usage/format";
import { budgetOwner, usedFraction } from "@/lib/usage/notice";
import type { Budget } from "@/lib/usage/types";

/** One line of a budget in one unit: used of max, and what replies being written hold. */
function Line({ used, held, max, remaining, show }: { used: number | null; held: number | null; max: number; remaining: number | null; show: (n: number) => string }) {
  return (
    <p>
      {show(used ?? 0)} of {show(max)} used
      {!!held && <span className="text-muted-foreground"> (and {show(held)} held by replies being written)</span>}
      {remaining !== null && <>: <strong className="font-medium">{show(Math.max(0, remaining))} left</strong></>}
    </p>
  );
}

/** A budget that applies to the signed-in user, as /usage shows it. */
export function BudgetCard({ budget, currency, now }: { budget: Budget; currency: string; now: number }) {
  const owner = budgetOwner(budget);
  const period = periodName(budget.period);
  return (
    <li className="grid gap-2 rounded-lg border p-3 text-sm" data-testid="usage-budget" data-scope={budget.scope}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span className="font-medium">
          {period} budget · {owner}
        </span>
        <span className="text-xs text-muted-foreground">Resets {resetPhrase(budget.resets_at, now)}</span>
      </div>
      <BudgetMeter fraction={usedFraction(budget)} label={`${period} budget used`} />
      {budget.max_tokens !== null && (
        <Line used={budget.used_tokens} held={budget.held_tokens} max={budget.max_tokens} remaining={budget.remaining_tokens} show={(n) => tokenCount(n)} />
      )}
      {budget.max_cost !== null && (
        <Line used={budget.used_cost} held={budget.held_cost} max={budget.max_cost} remaining={budget.remaining_cost} show={(n) => formatCost(n, currency)} />
      )}
    </li>
  );
}
