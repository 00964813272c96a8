/**
 * What the user is told about their budgets outside the /usage page: the composer's notice when
 * little is left, and each budget's scope in words. Pure.
 */
import { formatAmount, periodWords, resetPhrase, type Formats } from "./format";
import type { Budget, UsageReport } from "./types";

/**
 * "1,200 tokens left today, resets at 02:00 (in 3 h 12 min)." when the tightest budget is low
 * (the server's `low`: under a fifth left, or not enough for one more reply, which it then
 * says); null otherwise.
 */
export function lowBudgetNotice(usage: UsageReport | undefined, now = Date.now(), formats: Formats = {}): string | null {
  const remaining = usage?.remaining;
  if (!usage?.low || !remaining) return null;
  const budget = usage.budgets.find((b) => b.id === remaining.budget_id);
  const amount = Math.max(0, remaining.amount);
  const when = periodWords(budget?.period);
  const group = budget?.scope === "group" ? ` in the budget of group ${budget.scope_id}` : "";
  const left = amount === 0 && remaining.unit === "tokens" ? "No tokens left" : `${formatAmount(amount, remaining.unit, usage.currency, formats)} left`;
  const resets = `resets ${resetPhrase(remaining.resets_at, now, formats)}`;
  const next = usage.next_reply;
  if (amount > 0 && next && !next.fits) {
    // Something is left, but less than a reply may use: the next message would be refused.
    const reply = formatAmount(next.tokens, "tokens", usage.currency, formats);
    return `${left}${when ? ` ${when}` : ""}${group}: not enough for a reply, which may use up to ${reply}. It ${resets}.`;
  }
  return `${left}${when ? ` ${when}` : ""}${group}, ${resets}.`;
}

/** Whose budget this is, as its owner's page names it. */
export function budgetOwner(budget: Pick<Budget, "scope" | "scope_id">): string {
  if (budget.scope === "user") return "Your own";
  if (budget.scope === "group") return `Group ${budget.scope_id} (shared)`;
  return "Everyone (each on their own)";
}

/** How far the budget is used, 0 to 1, by its tighter unit (what counts as used includes calls in flight). */
export function usedFraction(budget: Budget): number {
  const parts: number[] = [];
  const tokens = (budget.used_tokens ?? 0) + (budget.held_tokens ?? 0);
  const cost = (budget.used_cost ?? 0) + (budget.held_cost ?? 0);
  if (budget.max_tokens !== null) parts.push(budget.max_tokens > 0 ? tokens / budget.max_tokens : 1);
  if (budget.max_cost !== null) parts.push(budget.max_cost > 0 ? cost / budget.max_cost : 1);
  return Math.min(1, Math.max(0, ...parts));
}
