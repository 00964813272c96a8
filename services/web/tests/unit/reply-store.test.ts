import { describe, expect, it } from "vitest";

import { isActive, newReply, ReplyStore, type Reply } from "@/lib/replies/store";

function reply(chatId: string, patch: Partial<Reply> = {}): Reply {
  return newReply(chatId, "Hi", { userCreatedAt: "", ...patch });
}

describe("ReplyStore", () => {
  it("tells subscribers of each change and moves its version", () => {
    const store = new ReplyStore();
    let calls = 0;
    const unsubscribe = store.subscribe(() => (calls += 1));
    const v0 = store.getVersion();
    store.set(reply("c1"));
    store.update("c1", { phase: "streaming" });
    expect(calls).toBe(2);
    expect(store.getVersion()).toBeGreaterThan(v0);
    expect(store.get("c1")).toMatchObject({ phase: "streaming" });
    unsubscribe();
    store.delete("c1");
    expect(calls).toBe(2);
    expect(store.has("c1")).toBe(false);
  });

  it("batches the notifications of deltas into one per scheduled frame", () => {
    const frames: Array<() => void> = [];
    const store = new ReplyStore((fn) => frames.push(fn));
    store.set(reply("c1", { phase: "streaming" }));
    let calls = 0;
    store.subscribe(() => (calls += 1));
    for (const text of ["a", "ab", "abc"]) store.update("c1", { text }, true);
    expect(calls).toBe(0);
    expect(frames).toHaveLength(1);
    // The state itself is current at once; only the notification waits.
    expect(store.get("c1")!.text).toBe("abc");
    frames[0]!();
    expect(calls).toBe(1);
  });

  it("an unbatched change notifies at once and cancels the pending frame's notification", () => {
    const frames: Array<() => void> = [];
    const store = new ReplyStore((fn) => frames.push(fn));
    store.set(reply("c1"));
    let calls = 0;
    store.subscribe(() => (calls += 1));
    store.update("c1", { text: "a" }, true);
    store.update("c1", { phase: "finished" });
    expect(calls).toBe(1);
    frames[0]!();
    expect(calls).toBe(1);
  });

  it("keeps the reason of a failure after the reply is gone, until cleared or logout", () => {
    const store = new ReplyStore();
    store.set(reply("c1"));
    store.setFailure("c1", "The model is unavailable");
    store.delete("c1");
    expect(store.failure("c1")).toBe("The model is unavailable");
    store.setFailure("c1", null);
    expect(store.failure("c1")).toBeUndefined();
    store.set(reply("c2"));
    store.setFailure("c2", "Down");
    store.clear();
    expect(store.get("c2")).toBeUndefined();
    expect(store.failure("c2")).toBeUndefined();
  });

  it("a reply is active until its final event", () => {
    expect(isActive(undefined)).toBe(false);
    expect(isActive(reply("c1", { phase: "sending" }))).toBe(true);
    expect(isActive(reply("c1", { phase: "reconnecting" }))).toBe(true);
    expect(isActive(reply("c1", { phase: "finished" }))).toBe(false);
  });
});
