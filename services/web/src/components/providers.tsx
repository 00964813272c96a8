"use client";

import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState } from "react";

import { AuthProvider, useAuth } from "@/components/auth-provider";
import { ApiError } from "@/lib/errors";
import { Replies } from "@/lib/replies/replies";
import { refreshAfterReply } from "@/lib/reply-cache";

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
        onSettled: (reply, replies) => refreshAfterReply(queryClient, reply, (chatId) => replies.dismiss(chatId)),
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
