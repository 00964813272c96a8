"use client";

import { useQueryClient } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { useState } from "react";

import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { modelBody, modelForm, type FormErrors, type ModelForm } from "@/lib/admin/catalog-forms";
import type { CatalogModel, Group, Provider } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

function Check({ id, label, checked, onChange }: { id: string; label: string; checked: boolean; onChange: (on: boolean) => void }) {
  return (
    <div className="flex items-center gap-2">
      <Checkbox id={id} checked={checked} onCheckedChange={(c) => onChange(c === true)} />
      <Label htmlFor={id} className="font-normal">
        {label}
      </Label>
    </div>
  );
}

/** Adds a model (`model` null) or edits one: provider, limits, prices, and who may use it. */
export function ModelDialog({
  model,
  providers,
  groups,
  open,
  onOpenChange,
}: {
  model: CatalogModel | null;
  providers: Provider[];
  groups: Group[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { catalog } = useAdmin();
  const queryClient = useQueryClient();
  const fresh = () => modelForm(model, providers[0]?.id ?? "");
  const [form, setForm] = useState<ModelForm>(fresh);
  const [errors, setErrors] = useState<FormErrors<ModelForm>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof ModelForm>(name: K) => (value: ModelForm[K]) => setForm((f) => ({ ...f, [name]: value }));
  // Groups the model names that auth lacks (deleted, or not made yet by single sign-on) stay listed.
  const groupChoices = [...groups.map((g) => ({ id: g.id, name: g.name })), ...form.groups.filter((g) => !groups.some((k) => k.id === g)).map((id) => ({ id, name: id }))];

  async function save(event: React.FormEvent) {
    event.preventDefault();
    const checked = modelBody(form, model);
    setErrors(checked.errors ?? {});
    if (!checked.body) return;
    setBusy(true);
    setError(null);
    try {
      if (model) await catalog.updateModel(model.id, checked.body);
      else await catalog.createModel(checked.body);
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin.catalogModels() });
      // The picker's list may change too (a default, a name, who may use it).
      void queryClient.invalidateQueries({ queryKey: queryKeys.models() });
      onOpenChange(false);
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
    >
      <DialogContent className="sm:max-w-xl">
        <form onSubmit={save} noValidate aria-label={model ? "Edit model" : "Add model"} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>{model ? `Edit ${model.display_name}` : "Add a model"}</DialogTitle>
            <DialogDescription>A model users can pick, served by one of the providers.</DialogDescription>
          </DialogHeader>
          {error && <FormAlert>{error}</FormAlert>}
          <div className="grid gap-4 sm:grid-cols-2">
            {!model && <FormField label="Model id" value={form.id} onValue={set("id")} error={errors.id} placeholder="gpt-4o-mini" />}
            <div className="grid gap-2">
              <Label htmlFor="model-provider">Provider</Label>
              <NativeSelect id="model-provider" value={form.provider} onChange={(e) => set("provider")(e.target.value)} aria-invalid={!!errors.provider}>
                {providers.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.id}
                  </option>
                ))}
              </NativeSelect>
              {errors.provider && <p className="text-sm text-destructive">{errors.provider}</p>}
            </div>
            <FormField label="Display name" value={form.display_name} onValue={set("display_name")} error={errors.display_name} hint="Empty: the id." />
            <FormField label="Upstream name" value={form.upstream} onValue={set("upstream")} error={errors.upstream} hint="The provider's name for it. Empty: the id." />
            <FormField label="Context window (tokens)" inputMode="numeric" value={form.context_tokens} onValue={set("context_tokens")} error={errors.context_tokens} />
            <FormField label="Longest reply (tokens)" inputMode="numeric" value={form.max_output_tokens} onValue={set("max_output_tokens")} error={errors.max_output_tokens} />
            <FormField label="Input price per million" inputMode="decimal" value={form.input_price_per_million} onValue={set("input_price_per_million")} error={errors.input_price_per_million} />
            <FormField label="Output price per million" inputMode="decimal" value={form.output_price_per_million} onValue={set("output_price_per_million")} error={errors.output_price_per_million} />
          </div>
          <div className="flex flex-wrap gap-x-6 gap-y-2">
            <Check id="model-enabled" label="Enabled" checked={form.enabled} onChange={set("enabled")} />
            <Check id="model-default" label="Default model" checked={form.default} onChange={set("default")} />
          </div>
          <fieldset className="grid gap-2">
            <legend className="mb-2 text-sm font-medium">Who may use it</legend>
            <p className="text-xs text-muted-foreground">
              {form.groups.length === 0 ? "Everyone: no group is ticked." : "Only members of the groups ticked."}
            </p>
            {groupChoices.map((group) => (
              <Check
                key={group.id}
                id={`model-group-${group.id}`}
                label={`${group.name} (${group.id})`}
                checked={form.groups.includes(group.id)}
                onChange={(on) => set("groups")(on ? [...form.groups, group.id] : form.groups.filter((g) => g !== group.id))}
              />
            ))}
          </fieldset>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={busy}>
              {busy && <Loader2 className="animate-spin" aria-hidden />}
              {model ? "Save model" : "Add model"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
