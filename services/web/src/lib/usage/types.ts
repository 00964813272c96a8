/** Shapes of chat's usage API: the user's `GET /api/usage`, the console's `/api/admin/budgets` and `/api/admin/usage`. */

/** Token and cost totals of some calls. `cost` is in the server's currency (`USAGE_CURRENCY`). */
export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  tokens: number;
  cost: number;
  calls: number;
}

/** One UTC day of usage, "YYYY-MM-DD". */
export interface DayUsage extends UsageTotals {
  day: string;
}

export interface ModelUsage extends UsageTotals {
  model: string;
}

export type BudgetScope = "everyone" | "user" | "group";
export type BudgetPeriod = "day" | "month";
export type BudgetUnit = "tokens" | "cost";

/** A budget with what its period has used so far (daily totals plus the calls in flight). */
export interface Budget {
  id: string;
  scope: BudgetScope;
  /** "" for everyone, a user id, or a group id. */
  scope_id: string;
  period: BudgetPeriod;
  max_tokens: number | null;
  max_cost: number | null;
  /**
   * What counts against it (the user's own, or a group budget's members together); null on the
   * console's list for an everyone budget, which counts each user on their own.
   */
  used_tokens: number | null;
  used_cost: number | null;
  /** The worst case of the calls in flight. */
  held_tokens: number | null;
  held_cost: number | null;
  /** max - used - held, never below 0; null without that limit (or without usage, as above). */
  remaining_tokens: number | null;
  remaining_cost: number | null;
  /** When the period ends (RFC 3339, a UTC midnight). */
  resets_at: string;
}

/** The tightest budget that applies to the user: the lowest remaining fraction. */
export interface Remaining {
  unit: BudgetUnit;
  amount: number;
  fraction: number;
  resets_at: string;
  budget_id: string;
}

/** `GET /api/usage?days=N`: the signed-in user's own usage, budgets and limits. */
export interface NextReply {
  model: string;
  tokens: number;
  cost: number;
  fits: boolean;
}

export interface UsageReport {
  currency: string;
  since: string;
  until: string;
  today: UsageTotals;
  /** Only the days with usage, oldest first (`fillDays` adds the others). */
  by_day: DayUsage[];
  by_model: ModelUsage[];
  budgets: Budget[];
  remaining: Remaining | null;
  /** The remaining fraction is below 0.2, or one more reply would not fit (`next_reply`). */
  low: boolean;
  /** What one reply of the user's default model holds at admission, and whether every budget can take it now. */
  next_reply: NextReply | null;
  /** 0 means no limit. */
  limits: { replies_in_flight: number; turns_per_minute: number };
}

/** `PUT /api/admin/budgets`: upserts by (scope, scope_id, period). */
export interface BudgetBody {
  scope: BudgetScope;
  scope_id: string;
  period: BudgetPeriod;
  max_tokens?: number;
  /** A decimal as text, so that what the admin typed is what is stored. */
  max_cost?: string;
}

export type UsageGrouping = "user" | "group" | "model" | "day";

export interface AdminUsageRow extends UsageTotals {
  /** A user id, a group id ("" for calls of users in no group), a model id or a day. */
  key: string;
  estimated_calls: number;
}

/** `GET /api/admin/usage`. */
export interface AdminUsage {
  by: UsageGrouping;
  since: string;
  until: string;
  currency: string;
  rows: AdminUsageRow[];
  total: UsageTotals & { estimated_calls: number };
}

/** The console's usage query: how to group, and a range of UTC days ("YYYY-MM-DD", both included). */
export interface UsageQuery {
  by: UsageGrouping;
  since: string;
  until: string;
}
