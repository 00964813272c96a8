/**
 * The transport of a reply: the chat service's run events over fetch, as server-sent events.
 * POST /messages starts a run and streams it; GET /runs/{id}/events replays a run and follows it,
 * after `Last-Event-ID` when given. Reading is fetch + eventsource-parser (`../sse`), because
 * EventSource cannot send an Authorization header.
 */
import type { ApiClient } from "../api";
import { readSse, toRunEvent, type RunEvent } from "../sse";

export class ReplyStream {
  constructor(private readonly api: ApiClient) {}

  /** Sends the user's message (with the turn's model, if any); the body is the new run's events. */
  open(chatId: string, content: string, signal: AbortSignal, model: string | null = null): Promise<Response> {
    return this.api.sendMessage(chatId, content, signal, model);
  }

  /**
   * The run's events after `lastEventId`, or all of them when null (the run's start: a reload, a
   * second tab). A live run is replayed and then followed; a finished one answers with its
   * stored result as one delta and its final event.
   */
  resume(chatId: string, runId: string, lastEventId: string | null, signal: AbortSignal): Promise<Response> {
    return this.api.runEvents(chatId, runId, lastEventId, signal);
  }

  /** The run events of a response body, in order; unknown or malformed events are skipped. */
  async *events(response: Response): AsyncGenerator<RunEvent, void, undefined> {
    if (!response.body) return;
    for await (const message of readSse(response.body)) {
      const event = toRunEvent(message);
      if (event) yield event;
    }
  }
}

/**
 * The first delta after a resume may repeat text we already have: the chat service's delta ids
 * are the reply's length in code points after that delta, and a finished run is replayed as one
 * delta holding the whole text. Such a delta is placed by its id, not appended.
 */
export function placeDelta(current: string, delta: string, id: string | undefined): string {
  const end = id !== undefined && /^\d+$/.test(id) ? Number(id) : NaN;
  const have = Array.from(current);
  const start = end - Array.from(delta).length;
  if (!Number.isFinite(start) || start < 0 || start >= have.length) return current + delta;
  return have.slice(0, start).join("") + delta;
}
