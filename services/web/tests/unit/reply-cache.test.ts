import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";

import { chatMessages, newestPage, singlePage, withNewestPage, type ChatPages } from "@/lib/chat-pages";
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
    model: null,
    ...patch,
  };
}

function setup(title: string | null = null) {
  const queryClient = new QueryClient();
  const chat: ChatDetail = { id: "c1", title, created_at: "", updated_at: "", messages: [], active_run_id: "r1", older_cursor: null };
  queryClient.setQueryData(queryKeys.chat("c1"), singlePage(chat));
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
  it("shows the finished reply at once, forgets the live one and refetches the chat, the list and the usage", () => {
    const { queryClient, invalidated, dismissed, run } = setup();
    run(finished());
    const chat = newestPage(queryClient.getQueryData<ChatPages>(queryKeys.chat("c1")))!;
    expect(chat.active_run_id).toBeNull();
    expect(chat.messages.map((m) => `${m.role}:${m.content}`)).toEqual(["user:Hi", "assistant:Hello"]);
    expect(dismissed).toEqual(["c1"]);
    // The usage too: the composer's low-budget notice reads it.
    expect(invalidated).toEqual([JSON.stringify(["usage"]), JSON.stringify(["chat", "c1"]), JSON.stringify(["chats"])]);
  });

  it("puts the finished reply in the newest page only, and keeps the older pages loaded", () => {
    const { queryClient, run } = setup();
    const newest = newestPage(queryClient.getQueryData<ChatPages>(queryKeys.chat("c1")))!;
    const older: ChatDetail = {
      ...newest,
      active_run_id: null,
      messages: [
        { id: "r0:user", role: "user", content: "First", status: "completed", created_at: "" },
        { id: "r0:assistant", role: "assistant", content: "Reply", status: "completed", created_at: "" },
      ],
    };
    queryClient.setQueryData<ChatPages>(queryKeys.chat("c1"), {
      pages: [{ ...newest, older_cursor: "before-r1" }, older],
      pageParams: [null, "before-r1"],
    });
    run(finished());
    const data = queryClient.getQueryData<ChatPages>(queryKeys.chat("c1"))!;
    expect(data.pages[1]).toBe(older);
    expect(data.pageParams).toEqual([null, "before-r1"]);
    expect(chatMessages(data).map((m) => m.content)).toEqual(["First", "Reply", "Hi", "Hello"]);
    expect(data.pages[0]!.active_run_id).toBeNull();
  });

  it("looks again for the server's title until the chat has one", () => {
    const { queryClient, invalidated, timers, run } = setup();
    run(finished());
    expect(timers.map((t) => t.ms)).toEqual(TITLE_CHECKS_MS);
    invalidated.length = 0;
    timers[0]!.fn();
    expect(invalidated).toEqual([JSON.stringify(["chats"]), JSON.stringify(["chat", "c1"])]);
    queryClient.setQueryData<ChatPages>(queryKeys.chat("c1"), (old) => withNewestPage(old, (page) => ({ ...page, title: "Greetings" })));
    invalidated.length = 0;
    timers[1]!.fn();
    expect(invalidated).toEqual([]);
  });

  it("leaves a message refused before any run started alone: it stays with its error and Retry", () => {
    const { queryClient, invalidated, timers, dismissed, run } = setup();
    run(finished({ runId: null, outcome: "error", error: { code: "RUN_IN_PROGRESS", message: "busy" } }));
    expect(newestPage(queryClient.getQueryData<ChatPages>(queryKeys.chat("c1")))!.messages).toEqual([]);
    expect(dismissed).toEqual([]);
    // Only the usage is read again (a refusal for a budget changes what the notice says).
    expect(invalidated).toEqual([JSON.stringify(["usage"])]);
    expect(timers).toEqual([]);
  });
});
