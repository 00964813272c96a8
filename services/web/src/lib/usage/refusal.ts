/**
 * A message chat refused for usage (429 `BUDGET_EXCEEDED` or `RATE_LIMITED`): the server's
 * sentence, the limit that refused it, and when trying again can work. Pure.
 */
import { ApiError } from "../errors";
import { formatDuration, resetPhrase, type Formats } from "./format";
import type { BudgetPeriod, BudgetScope, BudgetUnit } from "./types";

export type RefusalCode = "BUDGET_EXCEEDED" | "RATE_LIMITED";

/** The budget that would be overdrawn: figures in its unit. */
export interface BudgetLimit {
  name: "budget";
  scope: BudgetScope;
  scope_id: string;
  period: BudgetPeriod;
  unit: BudgetUnit;
  max: number;
  used: number;
  held: number;
  /** The worst case of the refused call. */
  needed: number;
  resets_at: string;
}

export interface RateLimit {
  name: "replies_in_flight" | "turns_per_minute";
  max: number;
}

export interface UsageRefusal {
  code: RefusalCode;
  message: string;
  limit: BudgetLimit | RateLimit | null;
  /** When trying again can work (ms since the epoch), from `retry_after`; null when unknown. */
  retryAt: number | null;
}

const CODES: ReadonlySet<string> = new Set<RefusalCode>(["BUDGET_EXCEEDED", "RATE_LIMITED"]);

const FALLBACK: Record<RefusalCode, string> = {
  BUDGET_EXCEEDED: "You have used up your budget for now.",
  RATE_LIMITED: "You are sending messages faster than this server allows.",
};

/** The usage refusal this error is (a 429 from chat with such a code), or null. `now` is when it came. */
export function usageRefusal(error: unknown, now = Date.now()): UsageRefusal | null {
  if (!(error instanceof ApiError) || error.status !== 429 || !CODES.has(error.code)) return null;
  const code = error.code as RefusalCode;
  const detail = (error.detail ?? {}) as { limit?: unknown; retry_after?: unknown };
  const seconds = typeof detail.retry_after === "number" ? detail.retry_after : error.retryAfter;
  return {
    code,
    message: error.message.trim() || FALLBACK[code],
    limit: budgetOrRate(detail.limit),
    retryAt: seconds === null || !Number.isFinite(seconds) ? null : now + Math.max(0, seconds) * 1000,
  };
}

function budgetOrRate(limit: unknown): BudgetLimit | RateLimit | null {
  if (!limit || typeof limit !== "object") return null;
  const { name } = limit as { name?: unknown };
  if (name === "budget" && typeof (limit as BudgetLimit).resets_at === "string") return limit as BudgetLimit;
  if (name === "replies_in_flight" || name === "turns_per_minute") return limit as RateLimit;
  return null;
}

/** Slack between `retry_after` and the budget's reset: the server rounds up to whole seconds. */
const RESET_SLACK_MS = 60_000;

/**
 * When the user can send again, as a sentence: the budget's reset time when that is what they
 * wait for, else the wait (calls in flight settling, a rate limit's minute passing); null when
 * waiting cannot help (a budget smaller than one reply of the model) or nothing says how long.
 */
export function refusalWhen(refusal: UsageRefusal, now = Date.now(), formats: Formats = {}): string | null {
  const { limit, retryAt } = refusal;
  if (limit?.name === "budget") {
    // One reply of this model could use more than the whole budget: no wait helps.
    if (limit.needed > limit.max) return null;
    const reset = Date.parse(limit.resets_at);
    if (retryAt === null || retryAt >= reset - RESET_SLACK_MS) {
      const whose = limit.scope === "group" ? `The group budget of ${limit.scope_id}` : "Your budget";
      return `${whose} resets ${resetPhrase(limit.resets_at, now, formats)}.`;
    }
  }
  if (retryAt === null) return null;
  return retryAt <= now ? "You can try again now." : `Try again in ${formatDuration((retryAt - now) / 1000)}.`;
}
