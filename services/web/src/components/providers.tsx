"use client";

import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState } from "react";

import { AuthProvider, useAuth } from "@/components/auth-provider";
import { ApiError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";
import { RunManager } from "@/lib/runs";
import { withFinishedReply } from "@/lib/transcript";
import type { ChatDetail } from "@/lib/types";

const RunsContext = createContext<RunManager | null>(null);

export function useRuns(): RunManager {
  const runs = useContext(RunsContext);
  if (!runs) throw new Error("useRuns must be used inside <Providers>");
  return runs;
}

/** Text of run errors by chat, so a failed reply says why after the chat is reloaded. */
export const runErrors = new Map<string, string>();

function RunsProvider({ children }: { children: React.ReactNode }) {
  const { session, state } = useAuth();
  const queryClient = useQueryClient();
  const [runs] = useState(
    () =>
      new RunManager({
        api: session.api,
        schedule: (fn) => (typeof requestAnimationFrame === "function" ? requestAnimationFrame(fn) : fn()),
        onSettled: (run, manager) => {
          // A message refused before any run started stays on screen with its error and Retry.
          if (!run.runId) return;
          if (run.outcome === "error" && run.error) runErrors.set(run.chatId, run.error.message);
          queryClient.setQueryData<ChatDetail>(queryKeys.chat(run.chatId), (old) => withFinishedReply(old, run));
          manager.dismiss(run.chatId);
          void queryClient.invalidateQueries({ queryKey: queryKeys.chat(run.chatId) });
          // The server names a chat in the background after its first reply: look again shortly.
          void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
          for (const delay of [1500, 4000, 8000, 15000]) {
            setTimeout(() => {
              // Until the chat has a title; a slow model may take a while to name it.
              if (queryClient.getQueryData<ChatDetail>(queryKeys.chat(run.chatId))?.title) return;
              void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
              void queryClient.invalidateQueries({ queryKey: queryKeys.chat(run.chatId) });
            }, delay);
          }
        },
      }),
  );
  useEffect(() => {
    if (state.status === "anonymous") {
      // Nothing of the previous user may stay in this tab.
      runs.reset();
      runErrors.clear();
      queryClient.clear();
    }
  }, [state.status, runs, queryClient]);
  return <RunsContext.Provider value={runs}>{children}</RunsContext.Provider>;
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
        <RunsProvider>{children}</RunsProvider>
      </AuthProvider>
    </QueryClientProvider>
  );
}
