/**
 * Chat's usage API on the session's API client (bearer token, one refresh and retry on a 401):
 * the user's own report, and the console's budgets and usage tables. One request per method.
 */
import type { ApiClient } from "../api";
import type { AdminUsage, Budget, BudgetBody, UsageQuery, UsageReport } from "./types";

/** The signed-in user's usage over the last `days` days (1 to 366), with budgets and limits. */
export function fetchUsage(api: ApiClient, days = 30): Promise<UsageReport> {
  return api.json(`/api/usage?days=${days}`);
}

/** A CSV file as the server named it. */
export interface CsvFile {
  blob: Blob;
  filename: string;
}

function usagePath({ by, since, until }: UsageQuery, format: "json" | "csv"): string {
  return `/api/admin/usage?${new URLSearchParams({ by, since, until, format })}`;
}

export class UsageAdmin {
  constructor(private readonly api: ApiClient) {}

  /** Every budget, with what its period has used. */
  async budgets(): Promise<Budget[]> {
    return (await this.api.json<{ budgets: Budget[] }>("/api/admin/budgets")).budgets;
  }

  /** Sets the budget of (scope, scope_id, period): a new one, or new limits for the one there is. */
  putBudget(body: BudgetBody): Promise<Budget> {
    return this.api.json("/api/admin/budgets", { method: "PUT", body: JSON.stringify(body) });
  }

  async deleteBudget(budgetId: string): Promise<void> {
    await this.api.request(`/api/admin/budgets/${encodeURIComponent(budgetId)}`, { method: "DELETE" });
  }

  /** Totals per user, group, model or day over a range of UTC days. */
  usage(query: UsageQuery): Promise<AdminUsage> {
    return this.api.json(usagePath(query, "json"));
  }

  /**
   * The same table as a CSV file. Fetched with the token (the chat API takes no cookie), so the
   * page saves the blob itself rather than linking to the URL.
   */
  async csv(query: UsageQuery): Promise<CsvFile> {
    const response = await this.api.request(usagePath(query, "csv"), { headers: { Accept: "text/csv" } });
    const fallback = `parley-usage-${query.by}-${query.since}-${query.until}.csv`;
    return { blob: await response.blob(), filename: attachmentName(response.headers.get("Content-Disposition"), fallback) };
  }
}

/**
 * The file name of a `Content-Disposition: attachment; filename="..."` header (or its RFC 5987
 * `filename*=UTF-8''...` form), reduced to a safe name; `fallback` when there is none.
 */
export function attachmentName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  let name: string | null = null;
  if (extended) {
    try {
      name = decodeURIComponent(extended[1]!.trim());
    } catch {
      name = null;
    }
  }
  name ??= /filename\s*=\s*"([^"]*)"/.exec(header)?.[1] ?? /filename\s*=\s*([^;\s]+)/.exec(header)?.[1] ?? null;
  // Only a base name: no folders, no control characters.
  const safe = name?.split(/[/\\]/).at(-1)?.replace(/[\p{C}]/gu, "").trim();
  return safe || fallback;
}

/** Saves a blob as a download (`doc`: the page's document). */
export function saveBlob(file: CsvFile, doc: Document = document): void {
  const url = URL.createObjectURL(file.blob);
  const link = doc.createElement("a");
  link.href = url;
  link.download = file.filename;
  link.rel = "noopener";
  doc.body.append(link);
  link.click();
  link.remove();
  // The click has started the download; give the browser a moment before the URL goes.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
