/**
 * The query cache once a reply has ended: the finished reply shown at once (in the chat's newest
 * page: older pages hold only older turns), then the stored chat and the chat list refetched,
 * again until the chat has the title the server gives it.
 */
import type { QueryClient } from "@tanstack/react-query";

import { newestPage, withNewestPage, type ChatPages } from "./chat-pages";
import { queryKeys } from "./query-keys";
import type { Reply } from "./replies/store";
import { withFinishedReply } from "./transcript";

/** When to look again for the title the server generates in the background after a reply. */
export const TITLE_CHECKS_MS = [1500, 4000, 8000, 15000];

export function refreshAfterReply(
  queryClient: QueryClient,
  reply: Reply,
  dismiss: (chatId: string) => void,
  wait: (fn: () => void, ms: number) => unknown = setTimeout,
): void {
  // What the user has used and has left changed (or, for a refusal, is worth reading again).
  void queryClient.invalidateQueries({ queryKey: queryKeys.usage() });
  // A message refused before any run started stays on screen with its error and Retry.
  if (!reply.runId) return;
  const chat = queryKeys.chat(reply.chatId);
  queryClient.setQueryData<ChatPages>(chat, (old) => withNewestPage(old, (page) => withFinishedReply(page, reply)));
  dismiss(reply.chatId);
  void queryClient.invalidateQueries({ queryKey: chat });
  void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
  for (const delay of TITLE_CHECKS_MS) {
    wait(() => {
      // Until the chat has a title; a slow model may take a while to name it.
      if (newestPage(queryClient.getQueryData<ChatPages>(chat))?.title) return;
      void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
      void queryClient.invalidateQueries({ queryKey: chat });
    }, delay);
  }
}
