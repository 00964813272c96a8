/**
 * The query cache once a reply has ended: the finished reply shown at once, then the stored
 * chat and the chat list refetched, again until the chat has the title the server gives it.
 */
import type { QueryClient } from "@tanstack/react-query";

import { queryKeys } from "./query-keys";
import type { Reply } from "./replies/store";
import { withFinishedReply } from "./transcript";
import type { ChatDetail } from "./types";

/** When to look again for the title the server generates in the background after a reply. */
export const TITLE_CHECKS_MS = [1500, 4000, 8000, 15000];

export function refreshAfterReply(
  queryClient: QueryClient,
  reply: Reply,
  dismiss: (chatId: string) => void,
  wait: (fn: () => void, ms: number) => unknown = setTimeout,
): void {
  // A message refused before any run started stays on screen with its error and Retry.
  if (!reply.runId) return;
  const chat = queryKeys.chat(reply.chatId);
  queryClient.setQueryData<ChatDetail>(chat, (old) => withFinishedReply(old, reply));
  dismiss(reply.chatId);
  void queryClient.invalidateQueries({ queryKey: chat });
  void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
  for (const delay of TITLE_CHECKS_MS) {
    wait(() => {
      // Until the chat has a title; a slow model may take a while to name it.
      if (queryClient.getQueryData<ChatDetail>(chat)?.title) return;
      void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
      void queryClient.invalidateQueries({ queryKey: chat });
    }, delay);
  }
}
