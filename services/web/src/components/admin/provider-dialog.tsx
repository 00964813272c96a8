"use client";

import { useQueryClient } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { useState } from "react";

import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { useAdmin } from "@/components/admin/use-admin";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { PROVIDER_KINDS, providerBody, providerForm, type FormErrors, type KeyChoice, type ProviderForm } from "@/lib/admin/catalog-forms";
import type { Provider } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

const KEY_CHOICES: { value: KeyChoice; label: string }[] = [
  { value: "keep", label: "Keep the current key" },
  { value: "stored", label: "A key stored by Parley (encrypted)" },
  { value: "env", label: "An environment variable of the chat service" },
  { value: "file", label: "A file on the chat service's machine" },
  { value: "none", label: "No key" },
];

/** Adds a provider (`provider` null) or edits one. The API key is write-only: typed to replace it. */
export function ProviderDialog({
  provider,
  open,
  onOpenChange,
}: {
  provider: Provider | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { catalog } = useAdmin();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ProviderForm>(() => providerForm(provider));
  const [errors, setErrors] = useState<FormErrors<ProviderForm>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof ProviderForm>(name: K) => (value: ProviderForm[K]) => setForm((f) => ({ ...f, [name]: value }));

  async function save(event: React.FormEvent) {
    event.preventDefault();
    const checked = providerBody(form, provider);
    setErrors(checked.errors ?? {});
    if (!checked.body) return;
    setBusy(true);
    setError(null);
    try {
      if (provider) await catalog.updateProvider(provider.id, checked.body);
      else await catalog.createProvider(checked.body);
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin.providers() });
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin.catalogModels() });
      onOpenChange(false);
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setBusy(false);
    }
  }

  const keyNow = provider
    ? provider.key_source === "stored"
      ? "a stored key"
      : provider.key_source === "env"
        ? `the variable ${provider.api_key_env}`
        : provider.key_source === "file"
          ? `the file ${provider.api_key_file}`
          : "no key"
    : null;

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
    >
      <DialogContent>
        <form onSubmit={save} noValidate aria-label={provider ? "Edit provider" : "Add provider"} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>{provider ? `Edit ${provider.id}` : "Add a provider"}</DialogTitle>
            <DialogDescription>An OpenAI-compatible endpoint: OpenAI, Azure, Ollama, vLLM, llama.cpp…</DialogDescription>
          </DialogHeader>
          {error && <FormAlert>{error}</FormAlert>}
          {!provider && <FormField label="Provider id" value={form.id} onValue={set("id")} error={errors.id} placeholder="openai" />}
          <div className="grid gap-2">
            <Label htmlFor="provider-kind">Kind</Label>
            <NativeSelect id="provider-kind" value={form.kind} onChange={(e) => set("kind")(e.target.value as ProviderForm["kind"])}>
              {PROVIDER_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {kind}
                </option>
              ))}
            </NativeSelect>
          </div>
          <FormField label="Base URL" value={form.base_url} onValue={set("base_url")} error={errors.base_url} placeholder="https://api.openai.com/v1" />
          <div className="grid gap-2">
            <Label htmlFor="provider-key">API key</Label>
            <NativeSelect id="provider-key" value={form.key} onChange={(e) => set("key")(e.target.value as KeyChoice)} aria-describedby="provider-key-now">
              {KEY_CHOICES.filter((c) => provider || c.value !== "keep").map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </NativeSelect>
            {keyNow && (
              <p id="provider-key-now" className="text-xs text-muted-foreground">
                Now: {keyNow}
                {provider?.api_key_set ? "" : " (not available to this chat replica)"}. A stored key is never shown again.
              </p>
            )}
          </div>
          {form.key === "stored" && (
            <FormField label="Key" type="password" autoComplete="off" value={form.api_key} onValue={set("api_key")} error={errors.api_key} />
          )}
          {form.key === "env" && (
            <FormField label="Variable name" value={form.api_key_env} onValue={set("api_key_env")} error={errors.api_key_env} placeholder="OPENAI_API_KEY" />
          )}
          {form.key === "file" && (
            <FormField label="Key file" value={form.api_key_file} onValue={set("api_key_file")} error={errors.api_key_file} placeholder="/run/secrets/openai" />
          )}
          <div className="grid gap-4 sm:grid-cols-3">
            <FormField label="Timeout (s)" inputMode="decimal" value={form.timeout_seconds} onValue={set("timeout_seconds")} error={errors.timeout_seconds} />
            <FormField
              label="Connect timeout (s)"
              inputMode="decimal"
              value={form.connect_timeout_seconds}
              onValue={set("connect_timeout_seconds")}
              error={errors.connect_timeout_seconds}
            />
            <FormField label="Retries" inputMode="numeric" value={form.max_retries} onValue={set("max_retries")} error={errors.max_retries} />
          </div>
          <div className="flex items-center gap-2">
            <Checkbox id="provider-enabled" checked={form.enabled} onCheckedChange={(c) => set("enabled")(c === true)} />
            <Label htmlFor="provider-enabled">Enabled</Label>
          </div>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={busy}>
              {busy && <Loader2 className="animate-spin" aria-hidden />}
              {provider ? "Save provider" : "Add provider"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
