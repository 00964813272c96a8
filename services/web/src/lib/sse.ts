/**
 * Server-sent events over fetch: EventSource cannot send an Authorization header, so the
 * body of a fetch Response is decoded and fed to eventsource-parser.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";

import type { ChatMessage } from "./types";

export type { EventSourceMessage };

export type RunEvent =
  | { type: "run.started"; id?: string; runId: string; model: string | null }
  | { type: "message.delta"; id?: string; text: string }
  | { type: "run.completed"; id?: string; runId: string; message: Partial<ChatMessage> | null }
  | { type: "run.error"; id?: string; runId: string; code: string; message: string }
  | { type: "run.cancelled"; id?: string; runId: string };

export const TERMINAL_EVENTS = new Set(["run.completed", "run.error", "run.cancelled"]);

/** Yields every SSE message of a byte stream, however the bytes are split into chunks. */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => queue.push(message) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // stream: true keeps a multi-byte character split across chunks intact.
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift()!;
    }
    // An event cut off before its blank line is dropped, as EventSource does.
    parser.feed(decoder.decode());
    while (queue.length > 0) yield queue.shift()!;
  } finally {
    reader.releaseLock();
  }
}

function asString(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

/** Turns one SSE message into a typed run event; unknown or malformed events give null. */
export function toRunEvent(message: EventSourceMessage): RunEvent | null {
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(message.data);
    data = parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return null;
  }
  const type = message.event ?? asString(data.type ?? data.event);
  const id = message.id;
  const runId = asString(data.run_id);
  switch (type) {
    case "run.started":
      return { type, id, runId, model: typeof data.model === "string" ? data.model : null };
    case "message.delta":
      return { type, id, text: asString(data.text ?? data.delta ?? data.content) };
    case "run.completed": {
      const raw = data.message;
      const message =
        raw && typeof raw === "object"
          ? (raw as Partial<ChatMessage>)
          : typeof raw === "string"
            ? { content: raw }
            : null;
      return { type, id, runId, message };
    }
    case "run.error":
      return {
        type,
        id,
        runId,
        code: asString(data.code, "unknown_error"),
        message: asString(data.message, "The reply failed."),
      };
    case "run.cancelled":
      return { type, id, runId };
    default:
      return null;
  }
}
