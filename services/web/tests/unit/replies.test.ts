import { describe, expect, it } from "vitest";

import { ApiClient } from "@/lib/api";
import { Replies } from "@/lib/replies/replies";
import type { Reply } from "@/lib/replies/store";

import { FakeServer, json, sseStream } from "./fake-server";

function event(id: number, type: string, data: unknown) {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function setup(server: FakeServer) {
  const api = new ApiClient({ fetch: server.fetch, tokens: { accessToken: () => "t", refreshAccessToken: async () => "t" } });
  const settled: Reply[] = [];
  const replies = new Replies({ api, onSettled: (reply) => settled.push(reply), sleep: async () => undefined });
  return { replies, settled };
}

describe("Replies", () => {
  it("streams a reply and settles with the final message", async () => {
    const server = new FakeServer().on("POST", "/api/chats/c1/messages", () =>
      sseStream([
        event(1, "run.started", { run_id: "r1" }),
        event(2, "message.delta", { text: "Hel" }),
        event(3, "message.delta", { text: "lo" }),
        event(4, "run.completed", { run_id: "r1", message: { id: "m2", role: "assistant", content: "Hello" } }),
      ]),
    );
    const { replies, settled } = setup(server);
    await replies.send("c1", "Hi");
    expect(replies.get("c1")).toMatchObject({ phase: "finished", outcome: "completed", text: "Hello", runId: "r1" });
    expect(settled).toHaveLength(1);
  });

  // Event ids as the chat service makes them: 0 = started, a delta's id = reply length after it.
  it("a cut stream reconnects to the run's events after the last event it applied", async () => {
    const server = new FakeServer()
      .on("POST", "/api/chats/c1/messages", () =>
        sseStream([event(0, "run.started", { run_id: "r1" }), event(3, "message.delta", { text: "Hel" })]),
      )
      .on("GET", "/api/chats/c1/runs/r1/events", () =>
        sseStream([event(5, "message.delta", { text: "lo" }), event(6, "run.completed", { run_id: "r1", message: null })]),
      );
    const { replies } = setup(server);
    await replies.send("c1", "Hi");
    const reattach = server.calls("GET", "/api/chats/c1/runs/r1/events");
    expect(reattach).toHaveLength(1);
    expect(reattach[0]!.headers.get("Last-Event-ID")).toBe("3");
    expect(replies.get("c1")).toMatchObject({ outcome: "completed", text: "Hello" });
  });

  it("a run that finished meanwhile is replayed whole, without doubling the text we had", async () => {
    const server = new FakeServer()
      .on("POST", "/api/chats/c1/messages", () =>
        sseStream([event(0, "run.started", { run_id: "r1" }), event(4, "message.delta", { text: "Stop" })]),
      )
      .on("GET", "/api/chats/c1/runs/r1/events", () =>
        // The stored run: one delta with all of the partial text, then its end.
        sseStream([event(9, "message.delta", { text: "Stopped 👋" }), event(10, "run.cancelled", { run_id: "r1" })]),
      );
    const { replies } = setup(server);
    await replies.send("c1", "Hi");
    expect(replies.get("c1")).toMatchObject({ outcome: "cancelled", text: "Stopped 👋" });
  });

  it("after a reload, replays the run the chat names from its start to rebuild the partial reply", async () => {
    const server = new FakeServer()
      .on("POST", "/api/chats/c1/messages", () => {
        const encoder = new TextEncoder();
        // Never finishes by itself: the page "reloads" mid-reply.
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(encoder.encode(event(0, "run.started", { run_id: "r1" }) + event(3, "message.delta", { text: "Par" })));
            },
          }),
        );
      })
      .on("GET", "/api/chats/c1/runs/r1/events", () =>
        sseStream([
          event(0, "run.started", { run_id: "r1" }),
          event(3, "message.delta", { text: "Par" }),
          event(6, "message.delta", { text: "ley" }),
          event(7, "run.completed", { run_id: "r1", message: null }),
        ]),
      );
    const first = setup(server);
    void first.replies.send("c1", "Name?");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(first.replies.get("c1")).toMatchObject({ phase: "streaming", text: "Par" });

    // The reloaded page knows nothing but what the chat detail says: the run and its question.
    const reloaded = setup(server);
    expect(await reloaded.replies.reattach("c1", "r1", "Name?")).toBe(true);
    expect(reloaded.replies.get("c1")).toMatchObject({ userContent: "Name?", runId: "r1" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.calls("GET", "/api/chats/c1/runs/r1/events")[0]!.headers.get("Last-Event-ID")).toBeNull();
    expect(reloaded.replies.get("c1")).toMatchObject({ outcome: "completed", text: "Parley" });
    // Finished: the detail names no run in flight any more, and a later reload does not reattach.
    expect(await setup(server).replies.reattach("c1", null, "Name?")).toBe(false);
    expect(server.calls("GET", "/api/chats/c1/runs/r1/events")).toHaveLength(1);
  });

  it("follows the run the server names as in flight, from its start (a new tab knows nothing)", async () => {
    const server = new FakeServer().on("GET", "/api/chats/c1/runs/r9/events", () =>
      sseStream([
        event(0, "run.started", { run_id: "r9" }),
        event(5, "message.delta", { text: "Hello" }),
        event(6, "run.completed", { run_id: "r9", message: null }),
      ]),
    );
    const { replies } = setup(server);
    expect(await replies.reattach("c1", "r9", "Greet me")).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.calls("GET", "/api/chats/c1/runs/r9/events")[0]!.headers.get("Last-Event-ID")).toBeNull();
    expect(replies.get("c1")).toMatchObject({ userContent: "Greet me", outcome: "completed", text: "Hello" });
  });

  it("follows nothing when the chat detail says no run is in flight", async () => {
    const server = new FakeServer();
    const { replies } = setup(server);
    expect(await replies.reattach("c1", null)).toBe(false);
    expect(replies.get("c1")).toBeUndefined();
    expect(server.requests).toHaveLength(0);
  });

  it("Stop before run.started still cancels the run once its id is known", async () => {
    let cancelled = false;
    let go: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const server = new FakeServer()
      .on("POST", "/api/chats/c1/messages", async () => {
        await gate;
        return sseStream([
          event(1, "run.started", { run_id: "r1" }),
          event(2, "message.delta", { text: "partial" }),
          event(3, "run.cancelled", { run_id: "r1" }),
        ]);
      })
      .on("POST", "/api/chats/c1/runs/r1/cancel", () => {
        cancelled = true;
        return json(202, { status: "cancelling" });
      });
    const { replies } = setup(server);
    const sending = replies.send("c1", "long story please");
    await replies.stop("c1");
    go();
    await sending;
    expect(cancelled).toBe(true);
    expect(replies.get("c1")).toMatchObject({ outcome: "cancelled", text: "partial" });
  });

  it("shows run.error with its code, and a 409 in words", async () => {
    const server = new FakeServer()
      .on("POST", "/api/chats/c1/messages", () =>
        sseStream([event(1, "run.started", { run_id: "r1" }), event(2, "run.error", { run_id: "r1", code: "llm_unavailable", message: "The model is unavailable" })]),
      )
      .on("POST", "/api/chats/c2/messages", () => json(409, { detail: "A run is already in progress" }));
    const { replies } = setup(server);
    await replies.send("c1", "Hi");
    expect(replies.get("c1")).toMatchObject({ outcome: "error", error: { code: "llm_unavailable", message: "The model is unavailable" } });
    await replies.send("c2", "Hi");
    expect(replies.get("c2")).toMatchObject({ outcome: "error", runId: null });
    expect(replies.get("c2")!.error!.message).toMatch(/still being written/);
  });

  it("remembers why a run failed, for its stored row; not for a refused message, and not after a new send or logout", async () => {
    const server = new FakeServer()
      .on("POST", "/api/chats/c1/messages", () =>
        sseStream([event(1, "run.started", { run_id: "r1" }), event(2, "run.error", { run_id: "r1", code: "llm_unavailable", message: "The model is unavailable" })]),
      )
      .on("POST", "/api/chats/c2/messages", () => json(409, { detail: "A run is already in progress" }));
    const { replies } = setup(server);
    await replies.send("c1", "Hi");
    replies.dismiss("c1");
    expect(replies.get("c1")).toBeUndefined();
    expect(replies.failure("c1")).toBe("The model is unavailable");
    await replies.send("c2", "Hi");
    expect(replies.failure("c2")).toBeUndefined();

    const sending = replies.send("c1", "Again");
    expect(replies.failure("c1")).toBeUndefined();
    await sending;
    expect(replies.failure("c1")).toBe("The model is unavailable");
    replies.reset();
    expect(replies.failure("c1")).toBeUndefined();
    expect(replies.get("c2")).toBeUndefined();
  });

  it("a stream cut before run.started follows the run the chat names in flight", async () => {
    const server = new FakeServer()
      .on("POST", "/api/chats/c1/messages", () => sseStream([]))
      .on("GET", "/api/chats/c1", () =>
        json(200, { id: "c1", title: null, model: null, created_at: "", updated_at: "", messages: [], active_run_id: "r1", older_cursor: null }),
      )
      .on("GET", "/api/chats/c1/runs/r1/events", () =>
        sseStream([event(0, "run.started", { run_id: "r1" }), event(5, "message.delta", { text: "Hello" }), event(6, "run.completed", { run_id: "r1", message: null })]),
      );
    const { replies } = setup(server);
    await replies.send("c1", "Hi");
    expect(server.calls("GET", "/api/chats/c1/runs/r1/events")).toHaveLength(1);
    expect(replies.get("c1")).toMatchObject({ outcome: "completed", text: "Hello", runId: "r1" });
  });

  it("gives up after three reconnects that bring no final event", async () => {
    const server = new FakeServer()
      .on("POST", "/api/chats/c1/messages", () => sseStream([event(0, "run.started", { run_id: "r1" }), event(2, "message.delta", { text: "Hi" })]))
      .on("GET", "/api/chats/c1/runs/r1/events", () => sseStream([]));
    const { replies, settled } = setup(server);
    await replies.send("c1", "Hello");
    expect(server.calls("GET", "/api/chats/c1/runs/r1/events")).toHaveLength(3);
    expect(replies.get("c1")).toMatchObject({ outcome: "error", text: "Hi", error: { code: "STREAM_LOST" } });
    expect(settled).toHaveLength(1);
  });

  it("a run the chat names but the server no longer has is left to the stored chat", async () => {
    const server = new FakeServer();
    const { replies } = setup(server);
    expect(await replies.reattach("c1", "gone", "Hi")).toBe(false);
    expect(replies.get("c1")).toBeUndefined();
  });

  it("sends the turn's model and keeps the model run.started names", async () => {
    const server = new FakeServer().on("POST", "/api/chats/c1/messages", () =>
      sseStream([
        event(0, "run.started", { run_id: "r1", model: "parley-stub-large" }),
        event(2, "message.delta", { text: "Hi" }),
        event(3, "run.completed", { run_id: "r1", message: null }),
      ]),
    );
    const { replies } = setup(server);
    await replies.send("c1", "Hello", "parley-stub-large");
    expect(JSON.parse(server.requests[0]!.body!)).toEqual({ content: "Hello", model: "parley-stub-large" });
    expect(replies.get("c1")).toMatchObject({ outcome: "completed", model: "parley-stub-large" });
  });

  it("a model refused before the run starts says so in words, with Retry (no run, no stored failure)", async () => {
    const server = new FakeServer().on("POST", "/api/chats/c1/messages", () => json(422, { detail: "model 'parley-stub-large' is disabled" }));
    const { replies, settled } = setup(server);
    await replies.send("c1", "Hello", "parley-stub-large");
    expect(replies.get("c1")).toMatchObject({
      outcome: "error",
      runId: null,
      error: {
        code: "MODEL_UNAVAILABLE",
        message: "Model 'parley-stub-large' is disabled. That model is no longer available to you: pick another one and send again.",
      },
    });
    expect(replies.failure("c1")).toBeUndefined();
    expect(settled).toHaveLength(1);
  });
});
