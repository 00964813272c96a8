/**
 * Sending a message and following its reply, per chat: composes the store (state) and the
 * stream (transport), and holds the reconnect loop. A stream that ends without a final event
 * resumes with Last-Event-ID (three attempts). After a reload or in a second tab the chat
 * detail names the run in flight (`active_run_id`), and `reattach` reads it from its start.
 */
import type { ApiClient } from "../api";
import { ApiError, describeError } from "../errors";
import { isModelRefusal, MODEL_UNAVAILABLE, modelRefusal } from "../models";
import { usageRefusal } from "../usage/refusal";
import { isActive, newReply, ReplyStore, type Reply } from "./store";
import { placeDelta, ReplyStream } from "./stream";

export interface RepliesOptions {
  api: ApiClient;
  /** Called once a reply has ended (any outcome) so caches can be refreshed. */
  onSettled?: (reply: Reply, replies: Replies) => void;
  /** Batches UI updates of deltas (requestAnimationFrame in browsers). */
  schedule?: (fn: () => void) => void;
  /** Waits before a reconnect attempt. */
  sleep?: (ms: number) => Promise<void>;
}

const MAX_RECONNECTS = 3;

/**
 * A message refused before any run started, in words; `MODEL_UNAVAILABLE` for a refused model,
 * the limit and when to retry for a usage refusal.
 */
function refusal(error: unknown): NonNullable<Reply["error"]> {
  if (isModelRefusal(error)) return { code: MODEL_UNAVAILABLE, message: modelRefusal(error) };
  const usage = usageRefusal(error);
  if (usage) return { code: usage.code, message: usage.message, refusal: usage };
  if (error instanceof ApiError && error.status === 409) {
    return { code: error.code, message: "A reply is still being written in this chat. Wait for it or stop it first." };
  }
  return { code: error instanceof ApiError ? error.code : "NETWORK", message: describeError(error) };
}

export class Replies {
  private readonly store: ReplyStore;
  private readonly stream: ReplyStream;
  private readonly api: ApiClient;
  private readonly controllers = new Map<string, AbortController>();
  private readonly onSettled: (reply: Reply, replies: Replies) => void;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: RepliesOptions) {
    this.api = options.api;
    this.store = new ReplyStore(options.schedule);
    this.stream = new ReplyStream(options.api);
    this.onSettled = options.onSettled ?? (() => undefined);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  readonly subscribe = (listener: () => void) => this.store.subscribe(listener);
  /** Changes whenever any reply changes (for useSyncExternalStore). */
  readonly getVersion = () => this.store.getVersion();

  get(chatId: string): Reply | undefined {
    return this.store.get(chatId);
  }

  /** Why the chat's last stored reply failed, when this tab saw it fail. */
  failure(chatId: string): string | undefined {
    return this.store.failure(chatId);
  }

  /**
   * Sends a message and streams the reply; `model` is the turn's model (null: the chat's).
   * Resolves when the reply has ended.
   */
  async send(chatId: string, content: string, model: string | null = null): Promise<void> {
    if (isActive(this.store.get(chatId))) return;
    this.store.setFailure(chatId, null);
    const controller = this.control(chatId);
    this.store.set(newReply(chatId, content, { phase: "sending" }));
    let response: Response;
    try {
      response = await this.stream.open(chatId, content, controller.signal, model);
    } catch (error) {
      if (controller.signal.aborted) return;
      this.finish(chatId, { outcome: "error", error: refusal(error) });
      return;
    }
    await this.follow(chatId, response, controller);
  }

  /**
   * Follows the chat's run in flight, as its detail names it (`activeRunId`, with `question`,
   * the detail's last user message): from the run's start, which replays the partial reply.
   * Returns false when there is nothing to follow.
   */
  async reattach(chatId: string, activeRunId: string | null, question = ""): Promise<boolean> {
    if (this.store.has(chatId)) return isActive(this.store.get(chatId));
    // No run in flight: the detail already holds every message.
    if (!activeRunId) return false;
    const controller = this.control(chatId);
    this.store.set(newReply(chatId, question, { runId: activeRunId, phase: "reconnecting" }));
    let response: Response;
    try {
      response = await this.stream.resume(chatId, activeRunId, null, controller.signal);
    } catch {
      if (controller.signal.aborted) return false;
      // The run is gone (chat deleted, run too old): the stored chat is the truth.
      this.store.delete(chatId);
      return false;
    }
    void this.follow(chatId, response, controller);
    return true;
  }

  /** Asks the server to cancel; the stream then ends with run.cancelled. */
  async stop(chatId: string): Promise<void> {
    const reply = this.store.get(chatId);
    if (!reply || !isActive(reply) || reply.stopping) return;
    this.store.update(chatId, { stopping: true });
    if (reply.runId) await this.cancel(chatId, reply.runId);
    // Otherwise run.started has not arrived yet; it triggers the cancel (see consume).
  }

  /** Forgets a finished reply (once the chat has been reloaded with its result). */
  dismiss(chatId: string): void {
    const reply = this.store.get(chatId);
    if (reply && !isActive(reply)) this.store.delete(chatId);
  }

  /** Drops everything (logout): aborts the streams, forgets replies and failures. */
  reset(): void {
    for (const controller of this.controllers.values()) controller.abort();
    this.controllers.clear();
    this.store.clear();
  }

  private control(chatId: string): AbortController {
    const controller = new AbortController();
    this.controllers.set(chatId, controller);
    return controller;
  }

  private async cancel(chatId: string, runId: string): Promise<void> {
    try {
      await this.api.cancelRun(chatId, runId);
    } catch {
      // 404/409: the run ended meanwhile; its final event tells the outcome.
    }
  }

  /** Reads the reply to its final event, resuming a stream that ends before it. */
  private async follow(chatId: string, first: Response, controller: AbortController) {
    let response = first;
    for (let attempt = 1; ; attempt++) {
      const ended = await this.consume(chatId, response, controller);
      if (ended || controller.signal.aborted) return;
      if (this.store.get(chatId)?.runId === null && attempt <= MAX_RECONNECTS) {
        await this.findRunInFlight(chatId);
      }
      const reply = this.store.get(chatId);
      if (!reply?.runId || attempt > MAX_RECONNECTS) {
        this.finish(chatId, {
          outcome: "error",
          error: { code: "STREAM_LOST", message: "The connection was lost while the reply was being written." },
        });
        return;
      }
      // The stream ended without a final event: pick up after the last event we applied.
      this.store.update(chatId, { phase: "reconnecting", resync: true });
      await this.sleep(500 * attempt);
      try {
        response = await this.stream.resume(chatId, reply.runId, reply.lastEventId, controller.signal);
      } catch {
        if (controller.signal.aborted) return;
        response = new Response("");
      }
    }
  }

  /**
   * A stream cut before run.started (a proxy may end a POST's response early) leaves us without
   * the run's id; the chat names its run in flight, which is ours: this tab sent the turn.
   */
  private async findRunInFlight(chatId: string): Promise<void> {
    try {
      const detail = await this.api.getChat(chatId, null, 1);
      if (detail.active_run_id) this.store.update(chatId, { runId: detail.active_run_id });
    } catch {
      // Nothing to go on: the reply ends as lost, and the stored chat tells the rest.
    }
  }

  /** Applies a stream's events; true when the reply reached its final event. */
  private async consume(chatId: string, response: Response, controller: AbortController) {
    try {
      for await (const event of this.stream.events(response)) {
        if (controller.signal.aborted) return true;
        const reply = this.store.get(chatId);
        if (!reply) continue;
        const lastEventId = event.id ?? reply.lastEventId;
        switch (event.type) {
          case "run.started":
            this.store.update(chatId, { runId: event.runId, model: event.model, lastEventId, phase: "streaming" });
            if (reply.stopping) void this.cancel(chatId, event.runId);
            break;
          case "message.delta": {
            const text = reply.resync ? placeDelta(reply.text, event.text, event.id) : reply.text + event.text;
            this.store.update(chatId, { text, lastEventId, phase: "streaming", resync: false }, true);
            break;
          }
          case "run.completed":
            this.finish(chatId, {
              outcome: "completed",
              final: event.message,
              text: event.message?.content ?? reply.text,
              lastEventId,
            });
            return true;
          case "run.cancelled":
            this.finish(chatId, { outcome: "cancelled", lastEventId });
            return true;
          case "run.error":
            this.finish(chatId, { outcome: "error", error: { code: event.code, message: event.message }, lastEventId });
            return true;
        }
      }
    } catch {
      if (controller.signal.aborted) return true;
    }
    return false;
  }

  private finish(chatId: string, patch: Partial<Reply>): void {
    this.controllers.delete(chatId);
    const before = this.store.get(chatId);
    // A message refused before any run started stays on screen with its error and Retry;
    // a run that failed is stored, and its stored row says why from here.
    if (before?.runId && patch.outcome === "error" && patch.error) this.store.setFailure(chatId, patch.error.message);
    this.store.update(chatId, { ...patch, phase: "finished" });
    const reply = this.store.get(chatId);
    if (reply) this.onSettled(reply, this);
  }
}
