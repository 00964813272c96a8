import { describe, expect, it } from "vitest";

import { readSse, toRunEvent, type EventSourceMessage } from "@/lib/sse";

function streamOf(parts: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(typeof part === "string" ? encoder.encode(part) : part);
      controller.close();
    },
  });
}

async function collect(parts: Array<string | Uint8Array>): Promise<EventSourceMessage[]> {
  const out: EventSourceMessage[] = [];
  for await (const message of readSse(streamOf(parts))) out.push(message);
  return out;
}

const STREAM =
  'id: 1\nevent: run.started\ndata: {"run_id":"r1","model":"parley-stub-large"}\n\n' +
  'id: 2\nevent: message.delta\ndata: {"text":"Héllo 👋"}\n\n' +
  'id: 3\nevent: message.delta\ndata: {"text":" world"}\n\n' +
  'id: 4\nevent: run.completed\ndata: {"run_id":"r1","message":{"id":"m1","content":"Héllo 👋 world"}}\n\n';

describe("readSse", () => {
  it("gives the same events however the bytes are split, even inside a UTF-8 character", async () => {
    const whole = await collect([STREAM]);
    const bytes = new TextEncoder().encode(STREAM);
    const byteByByte = await collect(Array.from(bytes, (b) => new Uint8Array([b])));
    const inThrees = await collect(Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) => bytes.slice(i * 3, i * 3 + 3)));
    expect(whole.map((m) => m.id)).toEqual(["1", "2", "3", "4"]);
    expect(byteByByte).toEqual(whole);
    expect(inThrees).toEqual(whole);
    expect(JSON.parse(whole[1]!.data).text).toBe("Héllo 👋");
  });

  it("joins multi-line data with newlines and accepts CRLF line endings", async () => {
    const messages = await collect(["event: note\r\ndata: first line\r\ndata: second line\r\n\r\n"]);
    expect(messages).toEqual([{ event: "note", id: undefined, data: "first line\nsecond line" }]);
  });

  it("skips comments (keep-alives) and drops an event cut off before its blank line", async () => {
    const messages = await collect([": ping\n\n", 'id: 7\ndata: {"a":1}\n\n', 'id: 8\ndata: {"half'] );
    expect(messages).toHaveLength(1);
    expect(messages[0]!.id).toBe("7");
  });

  it("keeps the last id for events that carry none", async () => {
    const messages = await collect(["id: 5\ndata: a\n\n", "data: b\n\n"]);
    expect(messages.map((m) => m.id)).toEqual(["5", undefined]);
  });
});

describe("toRunEvent", () => {
  it("maps the chat service's events to typed run events", async () => {
    const events = (await collect([STREAM])).map(toRunEvent);
    expect(events).toEqual([
      { type: "run.started", id: "1", runId: "r1", model: "parley-stub-large" },
      { type: "message.delta", id: "2", text: "Héllo 👋" },
      { type: "message.delta", id: "3", text: " world" },
      { type: "run.completed", id: "4", runId: "r1", message: { id: "m1", content: "Héllo 👋 world" } },
    ]);
  });

  it("reads run.error codes and ignores unknown or malformed events", () => {
    expect(toRunEvent({ event: "run.error", id: "9", data: '{"run_id":"r","code":"llm_timeout","message":"The model took too long"}' })).toEqual({
      type: "run.error",
      id: "9",
      runId: "r",
      code: "llm_timeout",
      message: "The model took too long",
    });
    expect(toRunEvent({ event: "run.cancelled", data: '{"run_id":"r"}' })).toMatchObject({ type: "run.cancelled", runId: "r" });
    expect(toRunEvent({ event: "something.else", data: "{}" })).toBeNull();
    expect(toRunEvent({ event: "message.delta", data: "not json" })).toBeNull();
  });

  it("run.started names the model writing the reply; a server that does not gives null", () => {
    expect(toRunEvent({ event: "run.started", id: "0", data: '{"run_id":"r","model":"gpt-4o-mini"}' })).toMatchObject({ model: "gpt-4o-mini" });
    expect(toRunEvent({ event: "run.started", id: "0", data: '{"run_id":"r"}' })).toMatchObject({ model: null });
  });

  it("keeps the server's words for the provider error codes", () => {
    for (const code of ["provider_auth_failed", "provider_rate_limited", "model_not_found", "context_too_long"]) {
      const data = JSON.stringify({ run_id: "r", code, message: `Words for ${code}` });
      expect(toRunEvent({ event: "run.error", data })).toMatchObject({ code, message: `Words for ${code}` });
    }
  });
});
