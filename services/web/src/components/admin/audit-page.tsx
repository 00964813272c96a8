"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { Filter, Loader2, X } from "lucide-react";
import { useState } from "react";

import { ListNote, PageTitle, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { actorLabel, auditFilters, detailPairs, KIND_CHOICES, NO_FILTERS, targetLabel } from "@/lib/admin/audit";
import { nextCursor, pagedItems } from "@/lib/admin/pages";
import type { AuditFilters } from "@/lib/admin/types";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

/** /admin/audit: who did what to what and when, newest first, filtered, 50 at a time. */
export function AuditPage() {
  const { auth } = useAdmin();
  const [form, setForm] = useState<AuditFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [error, setError] = useState<string | null>(null);
  const events = useInfiniteQuery({
    queryKey: queryKeys.admin.audit(filters),
    queryFn: ({ pageParam }) => auth.audit(filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: nextCursor,
    placeholderData: keepPreviousData,
  });
  const items = pagedItems(events.data?.pages);
  const field = (name: keyof AuditFilters) => (value: string) => setForm((f) => ({ ...f, [name]: value }));

  function apply(event: React.FormEvent) {
    event.preventDefault();
    const checked = auditFilters(form);
    setError(checked.error);
    if (checked.filters) setFilters(checked.filters);
  }

  return (
    <>
      <PageTitle>Audit log</PageTitle>
      <Section id="audit-filters" title="Filters" description="Every filter is optional; times are in your time zone.">
        <form onSubmit={apply} noValidate aria-label="Audit filters" className="grid gap-4">
          {error && <FormAlert>{error}</FormAlert>}
          <div className="grid gap-4 sm:grid-cols-3 sm:items-start">
            <FormField label="Actor" value={form.actor} onValue={field("actor")} placeholder="Email or user id" />
            <FormField label="Target" value={form.target} onValue={field("target")} placeholder="User id, group id, model id…" />
            <FormField
              label="Kind"
              value={form.kind}
              onValue={field("kind")}
              list="audit-kinds"
              placeholder="login. or user.deactivated"
              hint="A kind, or a prefix ending in “.”"
            />
            <datalist id="audit-kinds">
              {KIND_CHOICES.filter((c) => c.value).map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </datalist>
            <FormField label="From" type="datetime-local" value={form.since} onValue={field("since")} />
            <FormField label="Until" type="datetime-local" value={form.until} onValue={field("until")} />
          </div>
          <div className="flex gap-2">
            <Button type="submit">
              <Filter aria-hidden />
              Apply
            </Button>
            <Button
              type="button"
              variant="outline"
              onClick={() => {
                setForm(NO_FILTERS);
                setFilters(NO_FILTERS);
                setError(null);
              }}
            >
              <X aria-hidden />
              Clear
            </Button>
          </div>
        </form>
      </Section>
      <Section id="audit-events" title="Events">
        {events.isPending ? (
          <ListNote>Loading events…</ListNote>
        ) : events.isError ? (
          <ListNote kind="error">{describeAdminError(events.error)}</ListNote>
        ) : items.length === 0 ? (
          <ListNote>No events match.</ListNote>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>When</TableHead>
                <TableHead>Kind</TableHead>
                <TableHead>Actor</TableHead>
                <TableHead>Target</TableHead>
                <TableHead>From</TableHead>
                <TableHead>Detail</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((event) => (
                <TableRow key={event.id} data-testid="audit-row" data-kind={event.kind}>
                  <TableCell className="whitespace-nowrap tabular-nums">
                    <time dateTime={event.at}>{new Date(event.at).toLocaleString()}</time>
                  </TableCell>
                  <TableCell className="font-mono text-xs">{event.kind}</TableCell>
                  <TableCell className="max-w-56 break-all">{actorLabel(event)}</TableCell>
                  <TableCell className="max-w-56 break-all">
                    {targetLabel(event).name}
                    {targetLabel(event).id && <div className="font-mono text-xs text-muted-foreground">{targetLabel(event).id}</div>}
                  </TableCell>
                  <TableCell className="max-w-40 truncate text-muted-foreground" title={event.user_agent ?? undefined}>
                    {event.client_ip ?? ""}
                  </TableCell>
                  <TableCell className="max-w-72 text-xs text-muted-foreground">
                    {detailPairs(event.detail).map((pair) => (
                      <div key={pair} className="break-all">
                        {pair}
                      </div>
                    ))}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {events.hasNextPage && (
          <div className="flex justify-center pt-4">
            <Button variant="outline" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
              {events.isFetchingNextPage && <Loader2 className="animate-spin" aria-hidden />}
              Load more
            </Button>
          </div>
        )}
      </Section>
    </>
  );
}
