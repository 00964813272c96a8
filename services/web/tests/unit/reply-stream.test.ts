import { describe, expect, it } from "vitest";

import { ApiClient } from "@/lib/api";
import { placeDelta, ReplyStream } from "@/lib/replies/stream";

import { FakeServer, sseStream } from "./fake-server";

function event(id: number, type: string, data: unknown) {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function stream(server: FakeServer) {
  return new ReplyStream(new ApiClient({ fetch: server.fetch, tokens: { accessToken: () => "t", refreshAccessToken: async () => "t" } }));
}

describe("ReplyStream", () => {
  it("posts the message asking for an event stream, and reads its run events in order", async () => {
    const server = new FakeServer().on("POST", "/api/chats/c1/messages", () =>
      sseStream([
        event(0, "run.started", { run_id: "r1" }),
        ": keep-alive\n\n",
        event(2, "message.delta", { text: "Hi" }),
        event(3, "run.completed", { run_id: "r1", message: null }),
      ]),
    );
    const replies = stream(server);
    const response = await replies.open("c1", "Hello", new AbortController().signal);
    const events = [];
    for await (const e of replies.events(response)) events.push(e);
    expect(events.map((e) => [e.type, e.id])).toEqual([
      ["run.started", "0"],
      ["message.delta", "2"],
      ["run.completed", "3"],
    ]);
    const [post] = server.calls("POST", "/api/chats/c1/messages");
    expect(post!.headers.get("Accept")).toBe("text/event-stream");
    expect(JSON.parse(post!.body!)).toEqual({ content: "Hello" });
  });

  it("resumes after the last event it was given, or from the start without one", async () => {
    const server = new FakeServer().on("GET", "/api/chats/c1/runs/r1/events", () => sseStream([]));
    const replies = stream(server);
    await replies.resume("c1", "r1", "42", new AbortController().signal);
    await replies.resume("c1", "r1", null, new AbortController().signal);
    const [after, fromStart] = server.calls("GET", "/api/chats/c1/runs/r1/events");
    expect(after!.headers.get("Last-Event-ID")).toBe("42");
    expect(fromStart!.headers.get("Last-Event-ID")).toBeNull();
  });

  it("a response without a body has no events", async () => {
    const events = [];
    for await (const e of stream(new FakeServer()).events(new Response(null))) events.push(e);
    expect(events).toEqual([]);
  });
});

describe("placeDelta", () => {
  it("appends a delta that continues the text", () => {
    expect(placeDelta("Hel", "lo", "5")).toBe("Hello");
  });

  it("places a delta that overlaps the text by its id (the reply's length after it)", () => {
    expect(placeDelta("Hello", "lo, you", "10")).toBe("Hello, you");
    // A finished run replayed as one delta with all of the text.
    expect(placeDelta("Stop", "Stopped 👋", "9")).toBe("Stopped 👋");
  });

  it("counts code points, not UTF-16 units", () => {
    expect(placeDelta("👋 h", "hi", "4")).toBe("👋 hi");
  });

  it("appends when the id says nothing usable", () => {
    expect(placeDelta("ab", "c", undefined)).toBe("abc");
    expect(placeDelta("ab", "c", "x1")).toBe("abc");
    // An id past what we have: a gap we cannot fill, so the text is appended.
    expect(placeDelta("ab", "c", "9")).toBe("abc");
  });
});
