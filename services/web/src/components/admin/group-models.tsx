"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Lock } from "lucide-react";
import Link from "next/link";
import { useState } from "react";

import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { ListNote, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Switch } from "@/components/ui/switch";
import { readOnly } from "@/lib/admin/catalog-forms";
import { accessChange, groupAccess, type AccessChange } from "@/lib/admin/groups";
import type { CatalogModel, Group } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

interface Asking {
  model: CatalogModel;
  change: AccessChange;
}

/**
 * Which models the group's members may use. A model without groups is open to everyone; the
 * switch of a restricted one adds or removes this group from its `groups` (chat's catalog).
 */
export function GroupModels({ group }: { group: Group }) {
  const { catalog } = useAdmin();
  const queryClient = useQueryClient();
  const models = useQuery({ queryKey: queryKeys.admin.catalogModels(), queryFn: () => catalog.listModels() });
  const [asking, setAsking] = useState<Asking | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function apply(model: CatalogModel, change: AccessChange) {
    const updated = await catalog.setModelGroups(model.id, change.groups);
    queryClient.setQueryData<CatalogModel[]>(queryKeys.admin.catalogModels(), (list) =>
      list?.map((m) => (m.id === updated.id ? updated : m)),
    );
  }

  async function toggle(model: CatalogModel, allow: boolean) {
    const change = accessChange(model, group.id, allow);
    if (change.effect === "none") return;
    if (change.effect !== "plain") return setAsking({ model, change });
    setBusy(model.id);
    setError(null);
    try {
      await apply(model, change);
    } catch (e) {
      setError(describeAdminError(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Section
      id="group-models"
      title="Models"
      description={
        <>
          What members of {group.name} may use. A model with no group is open to everyone; edit models in{" "}
          <Link href="/admin/models" className="underline underline-offset-4">
            Models
          </Link>
          .
        </>
      }
    >
      {error && <FormAlert>{error}</FormAlert>}
      {models.isPending ? (
        <ListNote>Loading models…</ListNote>
      ) : models.isError ? (
        <ListNote kind="error">{describeAdminError(models.error)}</ListNote>
      ) : models.data.length === 0 ? (
        <ListNote>The catalog has no models.</ListNote>
      ) : (
        <ul className="divide-y rounded-md border" aria-label="Models for this group">
          {models.data.map((model) => {
            const access = groupAccess(model, group.id);
            const locked = readOnly(model);
            const label = `${model.display_name} for ${group.name}`;
            return (
              <li key={model.id} className="flex flex-wrap items-center gap-3 px-3 py-2" data-testid="group-model" data-model={model.id}>
                <div className="min-w-0 flex-1">
                  <p className="truncate text-sm font-medium">{model.display_name}</p>
                  <p className="truncate font-mono text-xs text-muted-foreground">{model.id}</p>
                </div>
                {!model.usable && <Badge variant="destructive">Not usable</Badge>}
                {locked && (
                  <Badge variant="outline" title="Defined by the catalog file: change it there">
                    <Lock aria-hidden />
                    File
                  </Badge>
                )}
                {access === "everyone" ? (
                  <>
                    <Badge variant="brand">Everyone</Badge>
                    <Button size="sm" variant="outline" disabled={locked || busy !== null} onClick={() => void toggle(model, true)}>
                      Restrict to {group.name}
                    </Button>
                  </>
                ) : (
                  <>
                    <span className="text-xs text-muted-foreground">
                      {access === "allowed" ? "Allowed" : "Not allowed"}
                      {model.groups.length > 1 || access === "not_allowed" ? ` (groups: ${model.groups.join(", ")})` : ""}
                    </span>
                    <Switch
                      aria-label={`Allow ${label}`}
                      checked={access === "allowed"}
                      disabled={locked || busy !== null}
                      onCheckedChange={(checked) => void toggle(model, checked)}
                    />
                  </>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        open={asking !== null}
        onOpenChange={(open) => !open && setAsking(null)}
        title={asking?.change.effect === "restricts" ? `Restrict ${asking.model.display_name}?` : `Open ${asking?.model.display_name ?? ""} to everyone?`}
        description={
          asking?.change.effect === "restricts"
            ? `Everyone may use it now. From now on only members of ${group.name} may (add other groups later).`
            : `${group.name} is the only group it is restricted to: without it, every user may use it.`
        }
        confirm={asking?.change.effect === "restricts" ? "Restrict" : "Open to everyone"}
        onConfirm={async () => {
          if (asking) await apply(asking.model, asking.change);
        }}
      />
    </Section>
  );
}
