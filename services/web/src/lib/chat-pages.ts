/**
 * A chat read page by page (`GET /api/chats/{id}`, then `?before={older_cursor}`): the cached
 * pages, newest first as TanStack's infinite query holds them, turned into one conversation.
 * Pure; the chat view, the cache update after a reply and their tests use it.
 */
import type { InfiniteData } from "@tanstack/react-query";

import type { ChatDetail, ChatMessage } from "./types";

/** What `queryKeys.chat(id)` holds: `pages[0]` is the newest page, each next one is older. */
export type ChatPages = InfiniteData<ChatDetail, string | null>;

/** The cursor of the page before `page`, or undefined when it holds the chat's first turn. */
export function olderCursor(page: ChatDetail): string | undefined {
  return page.older_cursor ?? undefined;
}

/** A cache entry holding one page: a chat just created, or a test's fixture. */
export function singlePage(detail: ChatDetail): ChatPages {
  return { pages: [detail], pageParams: [null] };
}

/** The newest page: the chat's title, its run in flight, and where a live reply belongs. */
export function newestPage(data: ChatPages | undefined): ChatDetail | undefined {
  return data?.pages[0];
}

/**
 * Every loaded message, oldest first. A message id seen twice (a refetched newest page that
 * reaches into an older page already loaded) is drawn once, as the newer page has it.
 */
export function chatMessages(data: ChatPages | undefined): ChatMessage[] {
  if (!data) return [];
  const seen = new Set<string>();
  const pages: ChatMessage[][] = [];
  for (const page of data.pages) {
    pages.push(page.messages.filter((m) => !seen.has(m.id)));
    for (const m of page.messages) seen.add(m.id);
  }
  return pages.reverse().flat();
}

/** The chat with its model set (the newest page carries the chat's fields); null: the default. */
export function withChatModel(data: ChatPages | undefined, model: string | null): ChatPages | undefined {
  return withNewestPage(data, (page) => (page.model === model ? page : { ...page, model }));
}

/** The pages with only the newest one changed by `update`: live and finished replies go there. */
export function withNewestPage(
  data: ChatPages | undefined,
  update: (page: ChatDetail) => ChatDetail | undefined,
): ChatPages | undefined {
  const newest = newestPage(data);
  if (!data || !newest) return data;
  const changed = update(newest);
  if (!changed || changed === newest) return data;
  return { ...data, pages: [changed, ...data.pages.slice(1)] };
}
