/**
 * The console's budget form (fields as typed) to the body of `PUT /api/admin/budgets`, checked
 * with chat's rules first. Pure.
 */
import type { Checked, FormErrors } from "../admin/catalog-forms";
import { GROUP_ID_PATTERN } from "../admin/groups";
import type { Budget, BudgetBody, BudgetPeriod, BudgetScope } from "./types";

export const MAX_TOKENS = 10 ** 15;
export const MAX_COST = 10 ** 12;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** numeric(20, 6): six decimals at most. */
const DECIMAL = /^\d+(\.\d{1,6})?$/;

export interface BudgetForm {
  scope: BudgetScope;
  /** A user's id (or email, looked up before the body is made) or a group's id; unused for everyone. */
  scopeId: string;
  period: BudgetPeriod;
  maxTokens: string;
  maxCost: string;
}

/** A new budget's form, or the form to change `budget`'s limits. */
export function budgetForm(budget: Budget | null): BudgetForm {
  return {
    scope: budget?.scope ?? "everyone",
    scopeId: budget?.scope_id ?? "",
    period: budget?.period ?? "day",
    maxTokens: budget?.max_tokens != null ? String(budget.max_tokens) : "",
    maxCost: budget?.max_cost != null ? String(budget.max_cost) : "",
  };
}

/** Typed an email rather than a user id: the page looks the user up first. */
export function looksLikeEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(text.trim());
}

/** The body to send, or what is wrong with the form. Both limits empty is refused: one at least. */
export function budgetBody(form: BudgetForm): Checked<BudgetBody, BudgetForm> {
  const errors: FormErrors<BudgetForm> = {};
  const scopeId = form.scope === "everyone" ? "" : form.scopeId.trim();
  if (form.scope === "user" && !UUID.test(scopeId)) errors.scopeId = "Enter the user's email or id.";
  if (form.scope === "group" && !GROUP_ID_PATTERN.test(scopeId)) errors.scopeId = "Pick a group.";

  const tokensText = form.maxTokens.trim().replaceAll(/[,_\s]/g, "");
  const costText = form.maxCost.trim().replace(/^\$/, "");
  if (!tokensText && !costText) {
    errors.maxTokens = "Set a token limit, a cost limit, or both.";
  }
  let maxTokens: number | undefined;
  if (tokensText) {
    maxTokens = Number(tokensText);
    if (!/^\d+$/.test(tokensText) || maxTokens > MAX_TOKENS) {
      errors.maxTokens = "A whole number of tokens, up to 10^15.";
    }
  }
  if (costText && (!DECIMAL.test(costText) || Number(costText) > MAX_COST)) {
    errors.maxCost = "An amount such as 5 or 0.25 (six decimals at most), up to 10^12.";
  }
  if (Object.keys(errors).length) return { body: null, errors };
  const body: BudgetBody = { scope: form.scope, scope_id: scopeId, period: form.period };
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  if (costText) body.max_cost = costText;
  return { body, errors: null };
}

/** Whose budget, for the console: "Everyone", "Group engineering", "User ada@example.com". */
export function budgetTarget(budget: Pick<Budget, "scope" | "scope_id">, email?: string): string {
  if (budget.scope === "everyone") return "Everyone";
  if (budget.scope === "group") return `Group ${budget.scope_id}`;
  return `User ${email ?? budget.scope_id}`;
}
