"use client";

import { Trash2 } from "lucide-react";
import type { ReactNode } from "react";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { keyState, type ApiKey } from "@/lib/api-keys";

const STATE_LABELS = { active: "Active", expired: "Expired", revoked: "Revoked" } as const;

function when(value: string | null, none: string): string {
  return value ? new Date(value).toLocaleString() : none;
}

/** API keys as rows (the user's page and the admin console), with a revoke button on those
 * that still work; ``owner`` adds a first column (the admin's list of everyone's keys). */
export function KeyTable<K extends ApiKey>({
  items,
  onRevoke,
  rowTestId,
  owner,
}: {
  items: K[];
  onRevoke: (key: K) => void;
  rowTestId: string;
  owner?: (key: K) => ReactNode;
}) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          {owner && <TableHead>Owner</TableHead>}
          <TableHead>Name</TableHead>
          <TableHead>Key</TableHead>
          <TableHead>Created</TableHead>
          <TableHead>Expires</TableHead>
          <TableHead>Last used</TableHead>
          <TableHead>State</TableHead>
          <TableHead className="w-12" />
        </TableRow>
      </TableHeader>
      <TableBody>
        {items.map((key) => {
          const state = keyState(key);
          return (
            <TableRow key={key.id} data-testid={rowTestId} data-state={state}>
              {owner && <TableCell className="max-w-40 font-mono text-xs break-all">{owner(key)}</TableCell>}
              <TableCell className="max-w-48 break-words">{key.name}</TableCell>
              <TableCell className="font-mono text-xs whitespace-nowrap">{key.prefix}…</TableCell>
              <TableCell className="whitespace-nowrap">{when(key.created_at, "")}</TableCell>
              <TableCell className="whitespace-nowrap">{when(key.expires_at, "Never")}</TableCell>
              <TableCell className="whitespace-nowrap">{when(key.last_used_at, "Never")}</TableCell>
              <TableCell>
                <Badge variant={state === "active" ? "brand" : "secondary"} title={key.revoked_at ? `Revoked ${when(key.revoked_at, "")}` : undefined}>
                  {STATE_LABELS[state]}
                </Badge>
              </TableCell>
              <TableCell>
                {state !== "revoked" && (
                  <Button variant="ghost" size="icon-sm" aria-label={`Revoke key ${key.name}`} onClick={() => onRevoke(key)}>
                    <Trash2 aria-hidden />
                  </Button>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
