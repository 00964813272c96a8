import { describe, expect, it } from "vitest";

import { chatMessages, newestPage, olderCursor, singlePage, withChatModel, withNewestPage, type ChatPages } from "@/lib/chat-pages";
import type { ChatDetail, ChatMessage } from "@/lib/types";

function turn(n: number): ChatMessage[] {
  const at = `2026-01-01T00:${String(n).padStart(2, "0")}:00Z`;
  return [
    { id: `r${n}:user`, role: "user", content: `Question ${n}`, status: "completed", created_at: at },
    { id: `r${n}:assistant`, role: "assistant", content: `Answer ${n}`, status: "completed", created_at: at },
  ];
}

function page(first: number, last: number, older_cursor: string | null, title: string | null = null): ChatDetail {
  const messages = [];
  for (let n = first; n <= last; n++) messages.push(...turn(n));
  return { id: "c1", title, created_at: "", updated_at: "", messages, active_run_id: null, older_cursor };
}

/** Newest page first, as the infinite query holds them. */
function pages(...list: ChatDetail[]): ChatPages {
  return { pages: list, pageParams: list.map((p, i) => (i === 0 ? null : `cursor-${i}`)) };
}

function questions(messages: ChatMessage[]): string[] {
  return messages.filter((m) => m.role === "user").map((m) => m.content);
}

describe("chatMessages", () => {
  it("puts the older pages before the newest one, oldest message first", () => {
    const data = pages(page(7, 9, "c7"), page(4, 6, "c4"), page(1, 3, null));
    const messages = chatMessages(data);
    expect(questions(messages)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `Question ${n}`));
    expect(messages.at(-1)!.content).toBe("Answer 9");
  });

  it("draws a message once when a refetched newest page reaches into an older page", () => {
    // The newest page was refetched with turns 5..9 while the loaded older page holds 3..6.
    const refetched = page(5, 9, "c5");
    refetched.messages[0] = { ...refetched.messages[0]!, content: "Question 5 (as stored now)" };
    const messages = chatMessages(pages(refetched, page(3, 6, "c3"), page(1, 2, null)));
    expect(questions(messages)).toEqual([
      "Question 1",
      "Question 2",
      "Question 3",
      "Question 4",
      "Question 5 (as stored now)",
      "Question 6",
      "Question 7",
      "Question 8",
      "Question 9",
    ]);
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
  });

  it("is empty before anything is loaded", () => {
    expect(chatMessages(undefined)).toEqual([]);
  });
});

describe("pages of a chat", () => {
  it("has an older page while the server gives a cursor, and none at the first turn", () => {
    expect(olderCursor(page(51, 100, "abc"))).toBe("abc");
    expect(olderCursor(page(1, 50, null))).toBeUndefined();
  });

  it("reads the title and the run in flight from the newest page", () => {
    const data = pages({ ...page(4, 6, "c4", "Trip"), active_run_id: "r7" }, page(1, 3, null, "Trip (older read)"));
    expect(newestPage(data)?.title).toBe("Trip");
    expect(newestPage(data)?.active_run_id).toBe("r7");
    expect(newestPage(undefined)).toBeUndefined();
  });

  it("changes only the newest page, and keeps the older ones as they are", () => {
    const older = page(1, 3, null);
    const data = pages(page(4, 6, "c4"), older);
    const changed = withNewestPage(data, (p) => ({ ...p, messages: [...p.messages, ...turn(7)] }))!;
    expect(questions(chatMessages(changed)).at(-1)).toBe("Question 7");
    expect(changed.pages[1]).toBe(older);
    expect(changed.pageParams).toBe(data.pageParams);
    // Nothing cached: nothing to change.
    expect(withNewestPage(undefined, (p) => p)).toBeUndefined();
  });

  it("seeds a new chat as one page with nothing before it", () => {
    const seeded = singlePage(page(1, 1, null));
    expect(seeded.pageParams).toEqual([null]);
    expect(questions(chatMessages(seeded))).toEqual(["Question 1"]);
  });

  it("sets the chat's model on the newest page, where the chat's fields are read", () => {
    const data = pages(page(3, 4, "cursor-1"), page(1, 2, null));
    const changed = withChatModel(data, "parley-stub-large")!;
    expect(newestPage(changed)!.model).toBe("parley-stub-large");
    expect(changed.pages[1]).toBe(data.pages[1]);
    expect(withChatModel(changed, "parley-stub-large")).toBe(changed);
    expect(newestPage(withChatModel(changed, null))!.model).toBeNull();
    expect(withChatModel(undefined, "x")).toBeUndefined();
  });
});
