/** Keyset pages ("load more") as one list, and a row changed or removed in them. Pure. */
import type { InfiniteData } from "@tanstack/react-query";

import type { Page } from "./types";

/**
 * Every item of the pages loaded so far, in order; an item seen twice (a row that moved between
 * two requests, say an email changed) is shown once, where it was first seen.
 */
export function pagedItems<T extends { id: string | number }>(pages: Page<T>[] | undefined): T[] {
  const seen = new Set<string | number>();
  const items: T[] = [];
  for (const page of pages ?? []) {
    for (const item of page.items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      items.push(item);
    }
  }
  return items;
}

/** What TanStack's infinite query asks for next: the last page's cursor, none after the last. */
export function nextCursor<T>(page: Page<T>): string | undefined {
  return page.next_cursor ?? undefined;
}

/** "3 of 120 users", "3 users", or, when the server would not count, "3 users shown". */
export function countLabel(shown: number, total: number | null | undefined, noun: [string, string]): string {
  const word = (n: number) => (n === 1 ? noun[0] : noun[1]);
  if (total === null || total === undefined) return `${shown} ${word(shown)} shown`;
  if (total === shown) return `${shown} ${word(shown)}`;
  return `${shown} of ${total} ${word(total)}`;
}

/** Loaded pages as TanStack's infinite query keeps them. */
export type LoadedPages<T> = InfiniteData<Page<T>, string | null>;

/** The pages with `item` in place of the item of the same id (a row an action changed). */
export function withItem<T extends { id: string | number }>(data: LoadedPages<T> | undefined, item: T): LoadedPages<T> | undefined {
  return (
    data && {
      ...data,
      pages: data.pages.map((page) => ({ ...page, items: page.items.map((i) => (i.id === item.id ? item : i)) })),
    }
  );
}

/** The pages without the item of this id (a row deleted). */
export function withoutItem<T extends { id: string | number }>(data: LoadedPages<T> | undefined, id: T["id"]): LoadedPages<T> | undefined {
  return (
    data && {
      ...data,
      pages: data.pages.map((page) => ({ ...page, items: page.items.filter((i) => i.id !== id) })),
    }
  );
}
