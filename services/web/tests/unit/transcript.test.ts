import { describe, expect, it } from "vitest";

import { transcriptRows, withFinishedReply, type LiveReply } from "@/lib/transcript";
import type { ChatDetail, ChatMessage } from "@/lib/types";

function user(id: string, content: string): ChatMessage {
  return { id: `${id}:user`, role: "user", content, status: "completed", created_at: "2026-01-01T00:00:00Z" };
}

function assistant(id: string, content: string, status: ChatMessage["status"] = "completed"): ChatMessage {
  return { id: `${id}:assistant`, role: "assistant", content, status, created_at: "2026-01-01T00:00:01Z" };
}

function reply(patch: Partial<LiveReply> = {}): LiveReply {
  return {
    runId: "r2",
    userContent: "And then?",
    userCreatedAt: "2026-01-01T00:01:00Z",
    text: "",
    phase: "streaming",
    outcome: null,
    error: null,
    final: null,
    model: null,
    ...patch,
  };
}

function detail(messages: ChatMessage[], active_run_id: string | null = null): ChatDetail {
  return { id: "c1", title: null, created_at: "", updated_at: "", messages, active_run_id, older_cursor: null };
}

/** What a reader of the screen sees: who says what, in which state. */
function seen(rows: ReturnType<typeof transcriptRows>) {
  return rows.map((r) => `${r.role}:${r.status}:${r.content}`);
}

const earlier = [user("r1", "Hi"), assistant("r1", "Hello!")];

describe("transcriptRows", () => {
  it("names the model of each stored reply, and of the live one from run.started", () => {
    const stored = [user("r1", "Hi"), { ...assistant("r1", "Hello!"), model: "parley-stub-large" }];
    const live = reply({ text: "Th", model: "parley-stub" });
    const rows = transcriptRows(stored, live);
    expect(rows.map((r) => r.model)).toEqual([undefined, "parley-stub-large", undefined, "parley-stub"]);
    // Before run.started the live reply's model is not known yet.
    expect(transcriptRows(stored, reply({ phase: "sending" })).at(-1)!.model).toBeUndefined();
  });

  it("keeps the model on a reply that has ended, until the stored chat comes back", () => {
    const finished = reply({ phase: "finished", outcome: "completed", text: "Done", model: "parley-stub-large" });
    expect(transcriptRows(earlier, finished).at(-1)).toMatchObject({ content: "Done", model: "parley-stub-large" });
    const named = reply({ ...finished, final: { id: "r2:assistant", model: "other" } });
    expect(transcriptRows(earlier, named).at(-1)!.model).toBe("other");
  });

  it("shows the stored chat as it is when nothing is live", () => {
    const rows = transcriptRows(earlier, undefined);
    expect(seen(rows)).toEqual(["user:completed:Hi", "assistant:completed:Hello!"]);
    expect(rows.map((r) => r.key)).toEqual(["r1:user", "r1:assistant"]);
  });

  it("a reply being sent shows the question and an empty streaming reply (the typing dots)", () => {
    const rows = transcriptRows(earlier, reply({ runId: null, phase: "sending" }));
    expect(seen(rows)).toEqual([
      "user:completed:Hi",
      "assistant:completed:Hello!",
      "user:completed:And then?",
      "assistant:streaming:",
    ]);
  });

  it("a streaming reply grows in the last row, after its question", () => {
    const rows = transcriptRows(earlier, reply({ text: "Then the" }));
    expect(seen(rows).slice(-2)).toEqual(["user:completed:And then?", "assistant:streaming:Then the"]);
    // Keys stay put while the text grows, so the list keeps the row's measured size.
    expect(rows.map((r) => r.key)).toEqual(transcriptRows(earlier, reply({ text: "Then the story" })).map((r) => r.key));
  });

  it("the question the server already lists is not shown twice (reload, second tab)", () => {
    const stored = [...earlier, user("r2", "And then?")];
    const rows = transcriptRows(stored, reply({ phase: "reconnecting" }));
    expect(seen(rows)).toEqual([
      "user:completed:Hi",
      "assistant:completed:Hello!",
      "user:completed:And then?",
      "assistant:streaming:",
    ]);
    expect(rows[2]!.key).toBe("r2:user");
  });

  it("a same question asked earlier is not taken for the live one", () => {
    const rows = transcriptRows([user("r1", "And then?"), assistant("r1", "Nothing.")], reply({ text: "Still" }));
    expect(seen(rows)).toEqual([
      "user:completed:And then?",
      "assistant:completed:Nothing.",
      "user:completed:And then?",
      "assistant:streaming:Still",
    ]);
  });

  it("while following a reply, a half-written one the server might list is left out", () => {
    const halfWritten = { ...assistant("r2", "Then"), status: "running" } as unknown as ChatMessage;
    const rows = transcriptRows([...earlier, user("r2", "And then?"), halfWritten], reply({ text: "Then the" }));
    expect(seen(rows).slice(-2)).toEqual(["user:completed:And then?", "assistant:streaming:Then the"]);
    expect(rows).toHaveLength(4);
  });

  it("a reply that just finished shows as the stored chat will, before the refetch", () => {
    const finished = reply({ phase: "finished", outcome: "completed", text: "Then the end." });
    const rows = transcriptRows(earlier, finished);
    expect(seen(rows)).toEqual([
      "user:completed:Hi",
      "assistant:completed:Hello!",
      "user:completed:And then?",
      "assistant:completed:Then the end.",
    ]);
  });

  it("a finished reply the stored chat already holds is not shown twice", () => {
    const stored = [...earlier, user("r2", "And then?"), assistant("r2", "Then the end.")];
    const finished = reply({ phase: "finished", outcome: "completed", text: "Then the end." });
    expect(seen(transcriptRows(stored, finished))).toEqual(seen(transcriptRows(stored, undefined)));
    expect(transcriptRows(stored, finished).map((r) => r.key)).toEqual(["r1:user", "r1:assistant", "r2:user", "r2:assistant"]);
  });

  it("a second tab that followed the reply to its end shows one question and one reply", () => {
    // Its detail listed the question while the run was in flight.
    const stored = [...earlier, user("r2", "And then?")];
    const streaming = transcriptRows(stored, reply({ phase: "streaming", text: "Then" }));
    expect(seen(streaming).slice(2)).toEqual(["user:completed:And then?", "assistant:streaming:Then"]);
    const done = transcriptRows(stored, reply({ phase: "finished", outcome: "completed", text: "Then the end." }));
    expect(seen(done).slice(2)).toEqual(["user:completed:And then?", "assistant:completed:Then the end."]);
  });

  it("a reply stopped by the user stays with its partial text, marked cancelled", () => {
    const rows = transcriptRows(earlier, reply({ phase: "finished", outcome: "cancelled", text: "Then" }));
    expect(seen(rows).slice(-1)).toEqual(["assistant:cancelled:Then"]);
    expect(rows.at(-1)!.errorText).toBeUndefined();
  });

  it("a run that failed shows as a failed reply with the reason and Retry", () => {
    const failed = reply({ phase: "finished", outcome: "error", error: { code: "llm_unavailable", message: "Down" } });
    const rows = transcriptRows(earlier, failed, "Down");
    expect(rows.at(-1)).toMatchObject({ role: "assistant", status: "error", errorText: "Down", retryContent: "And then?" });
  });

  it("a stopped reply shows its partial text, marked cancelled", () => {
    const rows = transcriptRows([...earlier, user("r2", "And then?"), assistant("r2", "Then", "cancelled")], undefined);
    expect(seen(rows).at(-1)).toBe("assistant:cancelled:Then");
    expect(rows.at(-1)!.errorText).toBeUndefined();
  });

  it("a failed reply says why (when this tab saw it fail) and offers Retry with its question", () => {
    const stored = [...earlier, user("r2", "And then?"), assistant("r2", "", "error")];
    const rows = transcriptRows(stored, undefined, "The model is unavailable");
    expect(rows.at(-1)).toMatchObject({ status: "error", errorText: "The model is unavailable", retryContent: "And then?" });
    // Another tab, or later: the stored message carries no reason.
    expect(transcriptRows(stored, undefined).at(-1)).toMatchObject({ errorText: "The reply failed.", retryContent: "And then?" });
  });

  it("only the last failed reply has Retry and the reason; earlier ones just say it failed", () => {
    const stored = [user("r1", "Hi"), assistant("r1", "", "error"), user("r2", "Again"), assistant("r2", "", "error")];
    const rows = transcriptRows(stored, undefined, "Timed out");
    expect(rows[1]).toMatchObject({ errorText: "The reply failed." });
    expect(rows[1]!.retryContent).toBeUndefined();
    expect(rows[3]).toMatchObject({ errorText: "Timed out", retryContent: "Again" });
  });

  it("a message refused before any run started stays, with the reason and Retry", () => {
    const refused = reply({
      runId: null,
      phase: "finished",
      outcome: "error",
      error: { code: "RUN_IN_PROGRESS", message: "A reply is still being written in this chat." },
    });
    const rows = transcriptRows(earlier, refused);
    expect(seen(rows).slice(-2)).toEqual(["user:completed:And then?", "assistant:error:"]);
    expect(rows.at(-1)).toMatchObject({
      errorText: "Not sent: A reply is still being written in this chat.",
      retryContent: "And then?",
    });
  });

  it("a new chat with its first reply streaming shows just that turn", () => {
    expect(seen(transcriptRows([], reply({ userContent: "Hello", text: "Hi" })))).toEqual([
      "user:completed:Hello",
      "assistant:streaming:Hi",
    ]);
  });
});

describe("withFinishedReply", () => {
  it("adds the question and the reply the server sent with run.completed, nothing in flight", () => {
    const finished = reply({
      phase: "finished",
      outcome: "completed",
      text: "Then the end.",
      final: { id: "r2:assistant", created_at: "2026-01-01T00:01:05Z" },
    });
    const next = withFinishedReply(detail(earlier, "r2"), finished)!;
    expect(next.active_run_id).toBeNull();
    expect(next.messages.slice(2)).toEqual([
      { id: "local-user-r2", role: "user", content: "And then?", status: "completed", created_at: "2026-01-01T00:01:00Z" },
      { id: "r2:assistant", role: "assistant", content: "Then the end.", status: "completed", created_at: "2026-01-01T00:01:05Z" },
    ]);
  });

  it("does not repeat the question the chat already lists (reload, second tab)", () => {
    const finished = reply({ phase: "finished", outcome: "cancelled", text: "Then" });
    const next = withFinishedReply(detail([...earlier, user("r2", "And then?")], "r2"), finished)!;
    expect(next.messages.map((m) => `${m.role}:${m.status}:${m.content}`)).toEqual([
      "user:completed:Hi",
      "assistant:completed:Hello!",
      "user:completed:And then?",
      "assistant:cancelled:Then",
    ]);
    expect(next.messages.at(-1)!.id).toBe("local-r2");
  });

  it("leaves a chat that already holds the finished reply as it is (a refetch came first)", () => {
    const stored = [...earlier, user("r2", "And then?"), assistant("r2", "Then the end.")];
    const finished = reply({ phase: "finished", outcome: "completed", text: "Then the end." });
    const next = withFinishedReply(detail(stored, "r2"), finished)!;
    expect(next.messages).toEqual(stored);
    expect(next.active_run_id).toBeNull();
  });

  it("a failed run is added as a failed reply", () => {
    const failed = reply({ phase: "finished", outcome: "error", error: { code: "llm_unavailable", message: "Down" } });
    expect(withFinishedReply(detail(earlier), failed)!.messages.at(-1)).toMatchObject({ role: "assistant", status: "error", content: "" });
  });

  it("leaves a chat that is not cached alone", () => {
    expect(withFinishedReply(undefined, reply({ phase: "finished", outcome: "completed" }))).toBeUndefined();
  });
});
