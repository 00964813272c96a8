"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { useState } from "react";

import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import type { FormErrors } from "@/lib/admin/catalog-forms";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";
import { userWithEmail } from "@/lib/usage/admin-usage";
import { budgetBody, budgetForm, budgetTarget, looksLikeEmail, type BudgetForm } from "@/lib/usage/budget-form";
import { periodName } from "@/lib/usage/format";
import type { Budget, BudgetPeriod, BudgetScope } from "@/lib/usage/types";

const SCOPES: { value: BudgetScope; label: string }[] = [
  { value: "everyone", label: "Everyone (each user on their own)" },
  { value: "user", label: "One user" },
  { value: "group", label: "A group (its members together)" },
];

const PERIODS: { value: BudgetPeriod; label: string }[] = [
  { value: "day", label: "Each day (UTC)" },
  { value: "month", label: "Each calendar month (UTC)" },
];

/**
 * Adds a budget (`budget` null) or changes the limits of one. Whom it applies to and its period
 * name the budget, so an edit keeps them; a user can be given by email (looked up here).
 */
export function BudgetDialog({
  budget,
  email,
  currency,
  open,
  onOpenChange,
}: {
  budget: Budget | null;
  /** The email of the budget's user, when known. */
  email?: string;
  currency: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { auth, usage } = useAdmin();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<BudgetForm>(() => budgetForm(budget));
  const [errors, setErrors] = useState<FormErrors<BudgetForm>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const groups = useQuery({ queryKey: queryKeys.admin.groups(), queryFn: () => auth.listGroups(), enabled: open && form.scope === "group" });
  const set = <K extends keyof BudgetForm>(name: K) => (value: BudgetForm[K]) => setForm((f) => ({ ...f, [name]: value }));

  /** The form with a typed email replaced by its user's id; null (and the error shown) when there is none. */
  async function withUserId(): Promise<BudgetForm | null> {
    if (form.scope !== "user" || !looksLikeEmail(form.scopeId)) return form;
    const found = userWithEmail((await auth.listUsers(form.scopeId, null, 5)).items, form.scopeId);
    if (!found) {
      setErrors({ scopeId: "No user has this email." });
      return null;
    }
    return { ...form, scopeId: found.id };
  }

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const resolved = await withUserId();
      if (!resolved) return;
      const checked = budgetBody(resolved);
      setErrors(checked.errors ?? {});
      if (!checked.body) return;
      await usage.putBudget(checked.body);
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin.budgets() });
      onOpenChange(false);
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <form onSubmit={save} noValidate aria-label={budget ? "Edit budget" : "Add budget"} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>
              {budget ? `${periodName(budget.period)} budget of ${budgetTarget(budget, email).replace(/^\w/, (c) => c.toLowerCase())}` : "Add a budget"}
            </DialogTitle>
            <DialogDescription>
              A message is refused once it could take a budget over its limit. Leave a limit empty for none; one at least.
            </DialogDescription>
          </DialogHeader>
          {error && <FormAlert>{error}</FormAlert>}
          {!budget && (
            <>
              <div className="grid gap-2">
                <Label htmlFor="budget-scope">Applies to</Label>
                <NativeSelect
                  id="budget-scope"
                  value={form.scope}
                  onChange={(e) => setForm((f) => ({ ...f, scope: e.target.value as BudgetScope, scopeId: "" }))}
                >
                  {SCOPES.map((s) => (
                    <option key={s.value} value={s.value}>
                      {s.label}
                    </option>
                  ))}
                </NativeSelect>
              </div>
              {form.scope === "user" && (
                <FormField label="User's email or id" value={form.scopeId} onValue={set("scopeId")} error={errors.scopeId} autoComplete="off" />
              )}
              {form.scope === "group" && (
                <div className="grid gap-2">
                  <Label htmlFor="budget-group">Group</Label>
                  <NativeSelect
                    id="budget-group"
                    value={form.scopeId}
                    onChange={(e) => set("scopeId")(e.target.value)}
                    aria-invalid={!!errors.scopeId}
                    aria-describedby={errors.scopeId ? "budget-group-error" : undefined}
                  >
                    <option value="">{groups.isPending ? "Loading groups…" : "Pick a group"}</option>
                    {groups.data?.map((g) => (
                      <option key={g.id} value={g.id}>
                        {g.name} ({g.id})
                      </option>
                    ))}
                  </NativeSelect>
                  {errors.scopeId && (
                    <p id="budget-group-error" className="text-sm text-destructive">
                      {errors.scopeId}
                    </p>
                  )}
                </div>
              )}
              <div className="grid gap-2">
                <Label htmlFor="budget-period">Period</Label>
                <NativeSelect id="budget-period" value={form.period} onChange={(e) => set("period")(e.target.value as BudgetPeriod)}>
                  {PERIODS.map((p) => (
                    <option key={p.value} value={p.value}>
                      {p.label}
                    </option>
                  ))}
                </NativeSelect>
              </div>
            </>
          )}
          <FormField
            label="Token limit"
            value={form.maxTokens}
            onValue={set("maxTokens")}
            error={errors.maxTokens}
            inputMode="numeric"
            placeholder="No limit"
            hint="Input and output tokens together."
          />
          <FormField
            label={`Cost limit (${currency})`}
            value={form.maxCost}
            onValue={set("maxCost")}
            error={errors.maxCost}
            inputMode="decimal"
            placeholder="No limit"
            hint="Priced with the models' prices in the catalog."
          />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={busy}>
              {busy && <Loader2 className="animate-spin" aria-hidden />}
              Save budget
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
