import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";

import { queryKeys } from "@/lib/query-keys";
import type { Reply } from "@/lib/replies/store";
import { refreshAfterReply, TITLE_CHECKS_MS } from "@/lib/reply-cache";
import type { ChatDetail } from "@/lib/types";

function finished(patch: Partial<Reply> = {}): Reply {
  return {
    chatId: "c1",
    runId: "r1",
    lastEventId: "9",
    userContent: "Hi",
    userCreatedAt: "2026-01-01T00:00:00Z",
    text: "Hello",
    phase: "finished",
    outcome: "completed",
    error: null,
    stopping: false,
    resync: false,
    final: { id: "r1:assistant", created_at: "2026-01-01T00:00:02Z" },
    ...patch,
  };
}

function setup(title: string | null = null) {
  const queryClient = new QueryClient();
  const chat: ChatDetail = { id: "c1", title, created_at: "", updated_at: "", messages: [], active_run_id: "r1" };
  queryClient.setQueryData(queryKeys.chat("c1"), chat);
  const invalidated: string[] = [];
  const original = queryClient.invalidateQueries.bind(queryClient);
  queryClient.invalidateQueries = ((filters?: { queryKey?: readonly unknown[] }) => {
    invalidated.push(JSON.stringify(filters?.queryKey));
    return original(filters);
  }) as typeof queryClient.invalidateQueries;
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const dismissed: string[] = [];
  const run = (reply: Reply) =>
    refreshAfterReply(queryClient, reply, (id) => dismissed.push(id), (fn, ms) => timers.push({ fn, ms }));
  return { queryClient, invalidated, timers, dismissed, run };
}

describe("refreshAfterReply", () => {
  it("shows the finished reply at once, forgets the live one and refetches the chat and the list", () => {
    const { queryClient, invalidated, dismissed, run } = setup();
    run(finished());
    const chat = queryClient.getQueryData<ChatDetail>(queryKeys.chat("c1"))!;
    expect(chat.active_run_id).toBeNull();
    expect(chat.messages.map((m) => `${m.role}:${m.content}`)).toEqual(["user:Hi", "assistant:Hello"]);
    expect(dismissed).toEqual(["c1"]);
    expect(invalidated).toEqual([JSON.stringify(["chat", "c1"]), JSON.stringify(["chats"])]);
  });

  it("looks again for the server's title until the chat has one", () => {
    const { queryClient, invalidated, timers, run } = setup();
    run(finished());
    expect(timers.map((t) => t.ms)).toEqual(TITLE_CHECKS_MS);
    invalidated.length = 0;
    timers[0]!.fn();
    expect(invalidated).toEqual([JSON.stringify(["chats"]), JSON.stringify(["chat", "c1"])]);
    queryClient.setQueryData<ChatDetail>(queryKeys.chat("c1"), (old) => old && { ...old, title: "Greetings" });
    invalidated.length = 0;
    timers[1]!.fn();
    expect(invalidated).toEqual([]);
  });

  it("leaves a message refused before any run started alone: it stays with its error and Retry", () => {
    const { queryClient, invalidated, timers, dismissed, run } = setup();
    run(finished({ runId: null, outcome: "error", error: { code: "RUN_IN_PROGRESS", message: "busy" } }));
    expect(queryClient.getQueryData<ChatDetail>(queryKeys.chat("c1"))!.messages).toEqual([]);
    expect(dismissed).toEqual([]);
    expect(invalidated).toEqual([]);
    expect(timers).toEqual([]);
  });
});
