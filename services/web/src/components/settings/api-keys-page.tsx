"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, Plus } from "lucide-react";
import { useMemo, useState } from "react";

import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { KeyTable } from "@/components/api-key-table";
import { useAuth, useAuthSession } from "@/components/auth-provider";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { PageShell } from "@/components/page-shell";
import { ApiUsage } from "@/components/settings/api-usage";
import { NewKeyDialog } from "@/components/settings/new-key-dialog";
import { SettingsCard } from "@/components/settings/settings-card";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { ApiKeys, EXPIRY_CHOICES, keyBody, MAX_NAME_LENGTH, type ApiKey, type NewApiKey } from "@/lib/api-keys";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

/** The create form: a name and how long the key works. */
function CreateKey({ keys, onCreated }: { keys: ApiKeys; onCreated: (key: NewApiKey) => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: "", days: "90" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    const checked = keyBody(form);
    if (!checked.body) return setError(checked.error);
    setBusy(true);
    setError(null);
    try {
      onCreated(await keys.create(checked.body));
      setForm((f) => ({ ...f, name: "" }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys() });
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={create} noValidate aria-label="Create API key" className="grid gap-4 sm:grid-cols-[2fr_1fr_auto] sm:items-start">
      <FormField
        label="Key name"
        value={form.name}
        onValue={(name) => setForm((f) => ({ ...f, name }))}
        maxLength={MAX_NAME_LENGTH}
        placeholder="My script"
      />
      <div className="grid gap-2">
        <Label htmlFor="key-expiry">Expires after</Label>
        <NativeSelect id="key-expiry" value={form.days} onChange={(e) => setForm((f) => ({ ...f, days: e.target.value }))}>
          {EXPIRY_CHOICES.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </NativeSelect>
      </div>
      <Button type="submit" className="sm:mt-[1.375rem]" disabled={busy}>
        {busy ? <Loader2 className="animate-spin" aria-hidden /> : <Plus aria-hidden />}
        Create key
      </Button>
      {error && (
        <div className="sm:col-span-3">
          <FormAlert>{error}</FormAlert>
        </div>
      )}
    </form>
  );
}

/** /settings/keys: make keys for programs, see them, revoke them; how to use one. */
export function ApiKeysPage() {
  const { state } = useAuth();
  const session = useAuthSession();
  const keys = useMemo(() => new ApiKeys(session.api), [session]);
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: queryKeys.apiKeys(), queryFn: () => keys.list() });
  const models = useQuery({ queryKey: queryKeys.models(), queryFn: () => session.api.listModels(), staleTime: 60_000 });
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  if (state.status !== "authenticated") return null; // RequireAuth shows the spinner meanwhile
  const model = models.data?.default_model ?? models.data?.items[0]?.id ?? null;
  return (
    <PageShell title="API keys" back={{ href: "/settings", label: "Back to settings" }} className="max-w-4xl">
      <SettingsCard
        id="api-keys"
        title="Your keys"
        description="A key lets a program use Parley's models as you, through the OpenAI-compatible API. It cannot sign in or change your account. Revoked keys stay listed for 30 days."
      >
        <div className="grid gap-4">
          <CreateKey keys={keys} onCreated={setCreated} />
          {list.isPending ? (
            <p role="status" className="text-sm text-muted-foreground">Loading keys…</p>
          ) : list.isError ? (
            <p role="alert" className="text-sm text-destructive">{describeAdminError(list.error)}</p>
          ) : list.data.length === 0 ? (
            <p role="status" className="text-sm text-muted-foreground">No keys yet.</p>
          ) : (
            <KeyTable items={list.data} onRevoke={setRevoking} rowTestId="api-key-row" />
          )}
        </div>
      </SettingsCard>
      <ApiUsage model={model} />
      <NewKeyDialog created={created} onClose={() => setCreated(null)} />
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        description="Programs using this key are refused from now on. This cannot be undone: make a new key if you need one."
        confirm="Revoke key"
        destructive
        onConfirm={async () => {
          if (revoking) await keys.revoke(revoking.id);
          await queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys() });
        }}
      />
    </PageShell>
  );
}
