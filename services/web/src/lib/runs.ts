/**
 * Runs (streamed replies) by chat, kept outside React so that a reply keeps streaming while
 * the user switches chats or the URL changes from /chats to /chats/{id}.
 *
 * Reattaching after a reload: the chat detail names the run in flight (`active_run_id`) and
 * lists its question; the page then reads GET /runs/{run_id}/events from the start, which
 * replays the partial reply and follows the live run (a finished run answers with its stored
 * result). This tab also keeps {run id, first event id, question} in sessionStorage while a
 * run streams (no secret in it), used when the server does not say (an older chat service).
 * Within one page load a dropped stream reconnects with Last-Event-ID.
 */
import type { ApiClient } from "./api";
import { ApiError, describeError } from "./errors";
import { readSse, toRunEvent } from "./sse";
import type { ChatMessage } from "./types";

export type RunOutcome = "completed" | "cancelled" | "error";

export interface RunState {
  chatId: string;
  runId: string | null;
  /** Id of the run's first event: where a reattach after a reload starts. */
  firstEventId: string | null;
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

interface StoredRun {
  runId: string;
  firstEventId: string | null;
  userContent: string;
  userCreatedAt: string;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  readonly length: number;
  key(index: number): string | null;
}

export interface RunManagerOptions {
  api: ApiClient;
  storage?: KeyValueStore | null;
  /** Called once a run has ended (any outcome) so caches can be refreshed. */
  onSettled?: (run: RunState, manager: RunManager) => void;
  /** Batches UI updates of deltas (requestAnimationFrame in browsers). */
  schedule?: (fn: () => void) => void;
  /** Waits before a reconnect attempt. */
  sleep?: (ms: number) => Promise<void>;
}

const STORAGE_PREFIX = "parley.run.";

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
  private readonly storage: KeyValueStore | null;
  private readonly onSettled: (run: RunState, manager: RunManager) => void;
  private readonly schedule: (fn: () => void) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private notifyPending = false;
  private version = 0;

  constructor(options: RunManagerOptions) {
    this.api = options.api;
    this.storage = options.storage ?? null;
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
      firstEventId: null,
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
   * Reattaches to the chat's run in flight, once its detail is loaded. `activeRunId` is the
   * server's word (null: nothing in flight; undefined: the server does not say, so this
   * tab's record decides). Returns false when there is nothing to follow.
   */
  async resume(chatId: string, activeRunId?: string | null, question?: string): Promise<boolean> {
    if (this.runs.has(chatId)) return isActive(this.runs.get(chatId));
    const record = this.readStored(chatId);
    let stored: StoredRun | null;
    if (activeRunId === undefined) {
      stored = record;
    } else if (activeRunId === null) {
      // Finished meanwhile: the detail already holds its messages.
      if (record) this.removeStored(chatId);
      stored = null;
    } else {
      stored =
        record?.runId === activeRunId
          ? record
          : { runId: activeRunId, firstEventId: null, userContent: question ?? "", userCreatedAt: new Date().toISOString() };
    }
    if (!stored) return false;
    const controller = new AbortController();
    this.controllers.set(chatId, controller);
    this.set(chatId, {
      chatId,
      runId: stored.runId,
      firstEventId: stored.firstEventId,
      lastEventId: stored.firstEventId,
      userContent: stored.userContent,
      userCreatedAt: stored.userCreatedAt,
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
      response = await this.api.runEvents(chatId, stored.runId, stored.firstEventId, controller.signal);
    } catch {
      if (controller.signal.aborted) return false;
      this.removeStored(chatId);
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

  /** Drops everything (logout): aborts streams and clears the per-tab records. */
  reset(): void {
    for (const controller of this.controllers.values()) controller.abort();
    this.controllers.clear();
    this.runs.clear();
    if (this.storage) {
      const keys: string[] = [];
      for (let i = 0; i < this.storage.length; i++) {
        const key = this.storage.key(i);
        if (key?.startsWith(STORAGE_PREFIX)) keys.push(key);
      }
      keys.forEach((key) => this.storage!.removeItem(key));
    }
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
          case "run.started": {
            const firstEventId = run.firstEventId ?? message.id ?? null;
            this.update(chatId, { runId: event.runId, firstEventId, lastEventId, phase: "streaming" });
            this.writeStored(chatId, {
              runId: event.runId,
              firstEventId,
              userContent: run.userContent,
              userCreatedAt: run.userCreatedAt,
            });
            if (run.stopping) void this.cancel(chatId, event.runId);
            break;
          }
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
    this.removeStored(chatId);
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

  private readStored(chatId: string): StoredRun | null {
    try {
      const raw = this.storage?.getItem(STORAGE_PREFIX + chatId);
      return raw ? (JSON.parse(raw) as StoredRun) : null;
    } catch {
      return null;
    }
  }

  private writeStored(chatId: string, run: StoredRun): void {
    try {
      this.storage?.setItem(STORAGE_PREFIX + chatId, JSON.stringify(run));
    } catch {
      // Storage full or disabled: only reattach-after-reload is lost.
    }
  }

  private removeStored(chatId: string): void {
    try {
      this.storage?.removeItem(STORAGE_PREFIX + chatId);
    } catch {
      // See writeStored.
    }
  }
}
