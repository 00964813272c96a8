/**
 * Runs (streamed replies) by chat, kept outside React so that a reply keeps streaming while
 * the user switches chats or the URL changes from /chats to /chats/{id}.
 *
 * Reattaching after a reload: the chat detail names the run in flight (`active_run_id`) and
 * lists its question; the page then reads GET /runs/{run_id}/events from the start, which
 * replays the partial reply and follows the live run (a finished run answers with its stored
 * result). Within one page load a dropped stream reconnects with Last-Event-ID.
 */
import type { ApiClient } from "./api";
import { ApiError, describeError } from "./errors";
import { readSse, toRunEvent } from "./sse";
import type { ChatMessage } from "./types";

export type RunOutcome = "completed" | "cancelled" | "error";

export interface RunState {
  chatId: string;
  runId: string | null;
  lastEventId: string | null;
  userContent: string;
  userCreatedAt: string;
  text: string;
  phase: "sending" | "streaming" | "reconnecting" | "finished";
  outcome: RunOutcome | null;
  error: { code: string; message: string } | null;
  stopping: boolean;
  /** Set after a reconnect: the next delta may overlap what we have (see placeDelta). */
  resync: boolean;
  /** The final assistant message from run.completed, when the server sent one. */
  final: Partial<ChatMessage> | null;
}

export interface RunManagerOptions {
  api: ApiClient;
  /** Called once a run has ended (any outcome) so caches can be refreshed. */
  onSettled?: (run: RunState, manager: RunManager) => void;
  /** Batches UI updates of deltas (requestAnimationFrame in browsers). */
  schedule?: (fn: () => void) => void;
  /** Waits before a reconnect attempt. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The first delta after a reconnect may repeat text we already have: the chat service's delta
 * ids are the reply's length in code points after that delta, and a finished run is replayed
 * as one delta holding the whole text. Such a delta is placed by its id, not appended.
 */
export function placeDelta(current: string, delta: string, id: string | undefined): string {
  const end = id !== undefined && /^\d+$/.test(id) ? Number(id) : NaN;
  const have = Array.from(current);
  const start = end - Array.from(delta).length;
  if (!Number.isFinite(start) || start < 0 || start >= have.length) return current + delta;
  return have.slice(0, start).join("") + delta;
}
const MAX_RECONNECTS = 3;

export function isActive(run: Pick<RunState, "phase"> | undefined): boolean {
  return !!run && run.phase !== "finished";
}

export class RunManager {
  private readonly runs = new Map<string, RunState>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly listeners = new Set<() => void>();
  private readonly api: ApiClient;
  private readonly onSettled: (run: RunState, manager: RunManager) => void;
  private readonly schedule: (fn: () => void) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private notifyPending = false;
  private version = 0;

  constructor(options: RunManagerOptions) {
    this.api = options.api;
    this.onSettled = options.onSettled ?? (() => undefined);
    this.schedule = options.schedule ?? ((fn) => fn());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes whenever any run changes (for useSyncExternalStore). */
  getVersion = (): number => this.version;

  get(chatId: string): RunState | undefined {
    return this.runs.get(chatId);
  }

  /** Sends a message and streams the reply. Resolves when the run has ended. */
  async send(chatId: string, content: string): Promise<void> {
    if (isActive(this.runs.get(chatId))) return;
    const controller = new AbortController();
    this.controllers.set(chatId, controller);
    this.set(chatId, {
      chatId,
      runId: null,
      lastEventId: null,
      userContent: content,
      userCreatedAt: new Date().toISOString(),
      text: "",
      phase: "sending",
      outcome: null,
      error: null,
      stopping: false,
      resync: false,
      final: null,
    });
    let response: Response;
    try {
      response = await this.api.sendMessage(chatId, content, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) return;
      const code = error instanceof ApiError ? error.code : "NETWORK";
      const message =
        error instanceof ApiError && error.status === 409
          ? "A reply is still being written in this chat. Wait for it or stop it first."
          : describeError(error);
      this.finish(chatId, { outcome: "error", error: { code, message } });
      return;
    }
    await this.follow(chatId, response, controller);
  }

  /**
   * Reattaches to the chat's run in flight, as its detail names it (`activeRunId`, with
   * `question`, the detail's last user message): reads the run from its start, which replays
   * the partial reply. Returns false when there is nothing to follow.
   */
  async resume(chatId: string, activeRunId: string | null, question = ""): Promise<boolean> {
    if (this.runs.has(chatId)) return isActive(this.runs.get(chatId));
    // No run in flight: the detail already holds every message.
    if (!activeRunId) return false;
    const controller = new AbortController();
    this.controllers.set(chatId, controller);
    this.set(chatId, {
      chatId,
      runId: activeRunId,
      lastEventId: null,
      userContent: question,
      userCreatedAt: new Date().toISOString(),
      text: "",
      phase: "reconnecting",
      outcome: null,
      error: null,
      stopping: false,
      resync: false,
      final: null,
    });
    let response: Response;
    try {
      response = await this.api.runEvents(chatId, activeRunId, null, controller.signal);
    } catch {
      if (controller.signal.aborted) return false;
      // The run is gone (chat deleted, run too old): the stored chat is the truth.
      this.runs.delete(chatId);
      this.bump();
      return false;
    }
    void this.follow(chatId, response, controller);
    return true;
  }

  /** Asks the server to cancel; the stream then ends with run.cancelled. */
  async stop(chatId: string): Promise<void> {
    const run = this.runs.get(chatId);
    if (!run || !isActive(run) || run.stopping) return;
    this.update(chatId, { stopping: true });
    if (run.runId) await this.cancel(chatId, run.runId);
    // Otherwise run.started has not arrived yet; it triggers the cancel (see follow).
  }

  /** Forgets a finished run (once the chat has been reloaded with its result). */
  dismiss(chatId: string): void {
    const run = this.runs.get(chatId);
    if (run && !isActive(run)) {
      this.runs.delete(chatId);
      this.bump();
    }
  }

  /** Drops everything (logout): aborts the streams and forgets the runs. */
  reset(): void {
    for (const controller of this.controllers.values()) controller.abort();
    this.controllers.clear();
    this.runs.clear();
    this.bump();
  }

  private async cancel(chatId: string, runId: string): Promise<void> {
    try {
      await this.api.cancelRun(chatId, runId);
    } catch {
      // 404/409: the run ended meanwhile; its final event tells the outcome.
    }
  }

  private async follow(chatId: string, first: Response, controller: AbortController) {
    let response = first;
    for (let attempt = 1; ; attempt++) {
      const ended = await this.consume(chatId, response, controller);
      if (ended || controller.signal.aborted) return;
      const run = this.runs.get(chatId);
      if (!run?.runId || attempt > MAX_RECONNECTS) {
        this.finish(chatId, {
          outcome: "error",
          error: { code: "STREAM_LOST", message: "The connection was lost while the reply was being written." },
        });
        return;
      }
      // The stream ended without a final event: pick up after the last event we applied.
      this.update(chatId, { phase: "reconnecting", resync: true });
      await this.sleep(500 * attempt);
      try {
        response = await this.api.runEvents(chatId, run.runId, run.lastEventId, controller.signal);
      } catch {
        if (controller.signal.aborted) return;
        response = new Response("");
      }
    }
  }

  /** Applies a stream's events; true when the run reached its final event. */
  private async consume(chatId: string, response: Response, controller: AbortController) {
    if (!response.body) return false;
    try {
      for await (const message of readSse(response.body)) {
        if (controller.signal.aborted) return true;
        const event = toRunEvent(message);
        const run = this.runs.get(chatId);
        if (!event || !run) continue;
        const lastEventId = message.id ?? run.lastEventId;
        switch (event.type) {
          case "run.started":
            this.update(chatId, { runId: event.runId, lastEventId, phase: "streaming" });
            if (run.stopping) void this.cancel(chatId, event.runId);
            break;
          case "message.delta": {
            const text = run.resync ? placeDelta(run.text, event.text, message.id) : run.text + event.text;
            this.update(chatId, { text, lastEventId, phase: "streaming", resync: false }, true);
            break;
          }
          case "run.completed":
            this.finish(chatId, {
              outcome: "completed",
              final: event.message,
              text: event.message?.content ?? run.text,
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

  private finish(chatId: string, patch: Partial<RunState>): void {
    this.controllers.delete(chatId);
    this.update(chatId, { ...patch, phase: "finished" });
    const run = this.runs.get(chatId);
    if (run) this.onSettled(run, this);
  }

  private set(chatId: string, run: RunState): void {
    this.runs.set(chatId, run);
    this.bump();
  }

  private update(chatId: string, patch: Partial<RunState>, batched = false): void {
    const run = this.runs.get(chatId);
    if (!run) return;
    this.runs.set(chatId, { ...run, ...patch });
    this.bump(batched);
  }

  private bump(batched = false): void {
    this.version += 1;
    if (!batched) {
      this.notifyPending = false;
      this.listeners.forEach((listener) => listener());
      return;
    }
    if (this.notifyPending) return;
    this.notifyPending = true;
    this.schedule(() => {
      if (!this.notifyPending) return;
      this.notifyPending = false;
      this.listeners.forEach((listener) => listener());
    });
  }
}
