"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import { Download, Loader2 } from "lucide-react";
import { useState } from "react";

import { ListNote, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { useUserEmails } from "@/components/admin/use-user-emails";
import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { describeAdminError } from "@/lib/errors";
import { GROUPINGS, keyHeading, rowLabel } from "@/lib/usage/admin-usage";
import { saveBlob } from "@/lib/usage/client";
import { formatCost, formatTokens } from "@/lib/usage/format";
import type { AdminUsage, UsageGrouping, UsageQuery, UsageTotals } from "@/lib/usage/types";

type Totals = UsageTotals & { estimated_calls: number };

function Numbers({ row, currency }: { row: Totals; currency: string }) {
  return (
    <>
      <TableCell className="text-right tabular-nums">{formatTokens(row.calls)}</TableCell>
      <TableCell className="text-right tabular-nums">{formatTokens(row.estimated_calls)}</TableCell>
      <TableCell className="text-right tabular-nums">{formatTokens(row.input_tokens)}</TableCell>
      <TableCell className="text-right tabular-nums">{formatTokens(row.output_tokens)}</TableCell>
      <TableCell className="text-right tabular-nums">{formatTokens(row.tokens)}</TableCell>
      <TableCell className="text-right tabular-nums">{formatCost(row.cost, currency)}</TableCell>
    </>
  );
}

/**
 * Usage totals for a range of UTC days, per user, group, model or day, and the same table as a
 * CSV download. Aggregates only: admins never see what was asked or answered.
 */
export function UsageSection({
  form,
  onForm,
  problem,
  table,
}: {
  /** The range and grouping as typed (sent once valid). */
  form: UsageQuery;
  onForm: (form: UsageQuery) => void;
  problem: string | null;
  table: UseQueryResult<AdminUsage>;
}) {
  const { usage } = useAdmin();
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const data = table.data;
  const emails = useUserEmails(data?.by === "user" ? data.rows.map((r) => r.key) : []);

  async function download() {
    setDownloading(true);
    setDownloadError(null);
    try {
      saveBlob(await usage.csv(form));
    } catch (e) {
      setDownloadError(describeAdminError(e));
    } finally {
      setDownloading(false);
    }
  }

  return (
    <Section
      id="usage"
      title="Usage"
      description="Tokens and cost of every model call: chat turns, titles and API calls. A call counts for each group its user was in."
      actions={
        <Button variant="outline" onClick={() => void download()} disabled={downloading || !!problem}>
          {downloading ? <Loader2 className="animate-spin" aria-hidden /> : <Download aria-hidden />}
          Download CSV
        </Button>
      }
    >
      <form aria-label="Usage filters" noValidate className="mb-4 flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()}>
        <div className="grid gap-2">
          <Label htmlFor="usage-by">Group by</Label>
          <NativeSelect id="usage-by" value={form.by} onChange={(e) => onForm({ ...form, by: e.target.value as UsageGrouping })}>
            {GROUPINGS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="grid gap-2">
          <Label htmlFor="usage-since">From (UTC day)</Label>
          <Input id="usage-since" type="date" value={form.since} max={form.until} onChange={(e) => onForm({ ...form, since: e.target.value })} />
        </div>
        <div className="grid gap-2">
          <Label htmlFor="usage-until">To (UTC day)</Label>
          <Input id="usage-until" type="date" value={form.until} min={form.since} onChange={(e) => onForm({ ...form, until: e.target.value })} />
        </div>
      </form>
      {(problem || downloadError) && (
        <div className="mb-4">
          <FormAlert>{problem ?? downloadError}</FormAlert>
        </div>
      )}
      {table.isPending ? (
        <ListNote>Loading usage…</ListNote>
      ) : table.isError ? (
        <ListNote kind="error">{describeAdminError(table.error)}</ListNote>
      ) : data!.rows.length === 0 ? (
        <ListNote>Nothing used in these days.</ListNote>
      ) : (
        <Table className={table.isPlaceholderData ? "opacity-60" : undefined}>
          <TableHeader>
            <TableRow>
              <TableHead>{keyHeading(data!.by)}</TableHead>
              <TableHead className="text-right">Calls</TableHead>
              <TableHead className="text-right" title="Calls whose tokens the provider did not report: Parley estimated them">
                Estimated
              </TableHead>
              <TableHead className="text-right">Input</TableHead>
              <TableHead className="text-right">Output</TableHead>
              <TableHead className="text-right">Tokens</TableHead>
              <TableHead className="text-right">Cost</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {data!.rows.map((row) => (
              <TableRow key={row.key} data-testid="usage-row" data-key={row.key}>
                <TableCell className="max-w-72 truncate font-medium" title={row.key}>
                  {rowLabel(data!.by, row.key, emails.get(row.key))}
                </TableCell>
                <Numbers row={row} currency={data!.currency} />
              </TableRow>
            ))}
            <TableRow className="border-t-2 font-medium" data-testid="usage-total">
              <TableCell>Total</TableCell>
              <Numbers row={data!.total} currency={data!.currency} />
            </TableRow>
          </TableBody>
        </Table>
      )}
    </Section>
  );
}
