"use client";

import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState } from "react";

import { AuthProvider, useAuth } from "@/components/auth-provider";
import { ApiError } from "@/lib/errors";
import { Replies } from "@/lib/replies/replies";
import { queryKeys } from "@/lib/query-keys";
import { withFinishedReply } from "@/lib/transcript";
import type { ChatDetail } from "@/lib/types";

const RepliesContext = createContext<Replies | null>(null);

export function useReplies(): Replies {
  const replies = useContext(RepliesContext);
  if (!replies) throw new Error("useReplies must be used inside <Providers>");
  return replies;
}

function RepliesProvider({ children }: { children: React.ReactNode }) {
  const { session, state } = useAuth();
  const queryClient = useQueryClient();
  const [replies] = useState(
    () =>
      new Replies({
        api: session.api,
        schedule: (fn) => (typeof requestAnimationFrame === "function" ? requestAnimationFrame(fn) : fn()),
        onSettled: (reply, replies) => {
          // A message refused before any run started stays on screen with its error and Retry.
          if (!reply.runId) return;
          queryClient.setQueryData<ChatDetail>(queryKeys.chat(reply.chatId), (old) => withFinishedReply(old, reply));
          replies.dismiss(reply.chatId);
          void queryClient.invalidateQueries({ queryKey: queryKeys.chat(reply.chatId) });
          // The server names a chat in the background after its first reply: look again shortly.
          void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
          for (const delay of [1500, 4000, 8000, 15000]) {
            setTimeout(() => {
              // Until the chat has a title; a slow model may take a while to name it.
              if (queryClient.getQueryData<ChatDetail>(queryKeys.chat(reply.chatId))?.title) return;
              void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
              void queryClient.invalidateQueries({ queryKey: queryKeys.chat(reply.chatId) });
            }, delay);
          }
        },
      }),
  );
  useEffect(() => {
    if (state.status === "anonymous") {
      // Nothing of the previous user may stay in this tab.
      replies.reset();
      queryClient.clear();
    }
  }, [state.status, replies, queryClient]);
  return <RepliesContext.Provider value={replies}>{children}</RepliesContext.Provider>;
}

export function Providers({ children }: { children: React.ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 10_000,
            refetchOnWindowFocus: false,
            retry: (count, error) => !(error instanceof ApiError && error.status < 500 && error.status !== 0) && count < 2,
          },
        },
      }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <RepliesProvider>{children}</RepliesProvider>
      </AuthProvider>
    </QueryClientProvider>
  );
}
