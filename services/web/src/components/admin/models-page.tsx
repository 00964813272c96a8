"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Lock, Pencil, Plus, Trash2 } from "lucide-react";
import { useState } from "react";

import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { ModelDialog } from "@/components/admin/model-dialog";
import { ProviderDialog } from "@/components/admin/provider-dialog";
import { ListNote, PageTitle, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { readOnly } from "@/lib/admin/catalog-forms";
import { groupLabel } from "@/lib/admin/groups";
import type { CatalogModel, Provider } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

type Editing =
  | { what: "provider"; entry: Provider | null }
  | { what: "model"; entry: CatalogModel | null }
  | { what: "delete-provider"; entry: Provider }
  | { what: "delete-model"; entry: CatalogModel }
  | null;

function FileBadge() {
  return (
    <Badge variant="outline" title="Defined by the catalog file or the LLM_* settings: change it there">
      <Lock aria-hidden />
      File
    </Badge>
  );
}

function RowActions({ name, locked, onEdit, onDelete }: { name: string; locked: boolean; onEdit: () => void; onDelete: () => void }) {
  if (locked) return <FileBadge />;
  return (
    <div className="flex justify-end gap-1">
      <Button variant="ghost" size="icon-sm" aria-label={`Edit ${name}`} onClick={onEdit}>
        <Pencil aria-hidden />
      </Button>
      <Button variant="ghost" size="icon-sm" aria-label={`Delete ${name}`} onClick={onDelete}>
        <Trash2 aria-hidden />
      </Button>
    </div>
  );
}

/** /admin/models: chat's catalog, providers then models; entries of the catalog file are read-only. */
export function ModelsPage() {
  const { auth, catalog } = useAdmin();
  const queryClient = useQueryClient();
  const providers = useQuery({ queryKey: queryKeys.admin.providers(), queryFn: () => catalog.listProviders() });
  const models = useQuery({ queryKey: queryKeys.admin.catalogModels(), queryFn: () => catalog.listModels() });
  const groups = useQuery({ queryKey: queryKeys.admin.groups(), queryFn: () => auth.listGroups() });
  const [editing, setEditing] = useState<Editing>(null);
  const close = (open: boolean) => !open && setEditing(null);

  async function refresh() {
    await queryClient.invalidateQueries({ queryKey: queryKeys.admin.providers() });
    await queryClient.invalidateQueries({ queryKey: queryKeys.admin.catalogModels() });
    void queryClient.invalidateQueries({ queryKey: queryKeys.models() });
  }

  return (
    <>
      <PageTitle>Models</PageTitle>
      <Section
        id="providers"
        title="Providers"
        description="Where models run. API keys are write-only: Parley never shows them again."
        actions={
          <Button onClick={() => setEditing({ what: "provider", entry: null })}>
            <Plus aria-hidden />
            Add provider
          </Button>
        }
      >
        {providers.isPending ? (
          <ListNote>Loading providers…</ListNote>
        ) : providers.isError ? (
          <ListNote kind="error">{describeAdminError(providers.error)}</ListNote>
        ) : providers.data.length === 0 ? (
          <ListNote>No providers yet.</ListNote>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Id</TableHead>
                <TableHead>Kind</TableHead>
                <TableHead>Base URL</TableHead>
                <TableHead>Key</TableHead>
                <TableHead>State</TableHead>
                <TableHead className="w-24" />
              </TableRow>
            </TableHeader>
            <TableBody>
              {providers.data.map((p) => (
                <TableRow key={p.id} data-testid="provider-row">
                  <TableCell className="font-mono text-xs">{p.id}</TableCell>
                  <TableCell>{p.kind}</TableCell>
                  <TableCell className="max-w-64 truncate">{p.base_url}</TableCell>
                  <TableCell>
                    {p.key_source === "none" ? "None" : p.key_source === "stored" ? "Stored" : (p.api_key_env ?? p.api_key_file)}
                    {p.key_source !== "none" && !p.api_key_set && <Badge variant="destructive" className="ml-1">Missing</Badge>}
                  </TableCell>
                  <TableCell>{p.enabled ? <Badge variant="brand">Enabled</Badge> : <Badge>Disabled</Badge>}</TableCell>
                  <TableCell>
                    <RowActions
                      name={p.id}
                      locked={readOnly(p)}
                      onEdit={() => setEditing({ what: "provider", entry: p })}
                      onDelete={() => setEditing({ what: "delete-provider", entry: p })}
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
      <Section
        id="catalog-models"
        title="Models"
        description="A model with no group is open to everyone; with groups, only to their members."
        actions={
          <Button onClick={() => setEditing({ what: "model", entry: null })} disabled={!providers.data?.length}>
            <Plus aria-hidden />
            Add model
          </Button>
        }
      >
        {models.isPending ? (
          <ListNote>Loading models…</ListNote>
        ) : models.isError ? (
          <ListNote kind="error">{describeAdminError(models.error)}</ListNote>
        ) : models.data.length === 0 ? (
          <ListNote>No models yet.</ListNote>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Model</TableHead>
                <TableHead>Provider</TableHead>
                <TableHead className="text-right">Context / reply</TableHead>
                <TableHead>Who may use it</TableHead>
                <TableHead>State</TableHead>
                <TableHead className="w-24" />
              </TableRow>
            </TableHeader>
            <TableBody>
              {models.data.map((m) => (
                <TableRow key={m.id} data-testid="model-row" data-model={m.id}>
                  <TableCell>
                    <p className="font-medium">{m.display_name}</p>
                    <p className="font-mono text-xs text-muted-foreground">{m.id}</p>
                  </TableCell>
                  <TableCell className="font-mono text-xs">{m.provider}</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {m.context_tokens.toLocaleString()} / {m.max_output_tokens.toLocaleString()}
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-wrap gap-1">
                      {m.groups.length === 0 ? <Badge variant="brand">Everyone</Badge> : m.groups.map((g) => <Badge key={g}>{groupLabel(groups.data, g)}</Badge>)}
                    </div>
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-wrap gap-1">
                      {m.default && <Badge variant="outline">Default</Badge>}
                      {!m.enabled ? <Badge>Disabled</Badge> : !m.usable ? <Badge variant="destructive">Provider off</Badge> : <Badge variant="brand">Enabled</Badge>}
                    </div>
                  </TableCell>
                  <TableCell>
                    <RowActions
                      name={m.display_name}
                      locked={readOnly(m)}
                      onEdit={() => setEditing({ what: "model", entry: m })}
                      onDelete={() => setEditing({ what: "delete-model", entry: m })}
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
      {/* Mounted when opened: each form starts from the entry as loaded. */}
      {editing?.what === "provider" && <ProviderDialog provider={editing.entry} open onOpenChange={close} />}
      {editing?.what === "model" && (
        <ModelDialog model={editing.entry} providers={providers.data ?? []} groups={groups.data ?? []} open onOpenChange={close} />
      )}
      <ConfirmDialog
        open={editing?.what === "delete-provider"}
        onOpenChange={close}
        title={`Delete the provider ${editing?.what === "delete-provider" ? editing.entry.id : ""}?`}
        description="Only a provider no model uses can be deleted."
        confirm="Delete provider"
        destructive
        onConfirm={async () => {
          if (editing?.what === "delete-provider") await catalog.deleteProvider(editing.entry.id);
          await refresh();
        }}
      />
      <ConfirmDialog
        open={editing?.what === "delete-model"}
        onOpenChange={close}
        title={`Delete the model ${editing?.what === "delete-model" ? editing.entry.display_name : ""}?`}
        description="Chats that use it must pick another model before their next message; their stored replies keep its name."
        confirm="Delete model"
        destructive
        onConfirm={async () => {
          if (editing?.what === "delete-model") await catalog.deleteModel(editing.entry.id);
          await refresh();
        }}
      />
    </>
  );
}
