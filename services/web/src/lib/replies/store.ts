/**
 * The live reply of each chat, kept outside React so that a reply keeps streaming while the URL
 * changes (/chats -> /chats/{id} on the first message) or the user switches chats. This module
 * only holds state and tells subscribers; `replies.ts` drives it.
 */
import type { ChatMessage } from "../types";
import type { UsageRefusal } from "../usage/refusal";

export type ReplyOutcome = "completed" | "cancelled" | "error";

/** One reply as this tab sees it, from the user's message to the reply's final event. */
export interface Reply {
  chatId: string;
  /** The chat service's id of the run writing the reply; null until run.started arrives. */
  runId: string | null;
  /** Where a cut stream resumes (sent as Last-Event-ID). */
  lastEventId: string | null;
  userContent: string;
  userCreatedAt: string;
  text: string;
  phase: "sending" | "streaming" | "reconnecting" | "finished";
  outcome: ReplyOutcome | null;
  /** Why it failed; `refusal` when chat refused the message for usage (a budget, a rate limit). */
  error: { code: string; message: string; refusal?: UsageRefusal } | null;
  stopping: boolean;
  /** Set after a reconnect: the next delta may overlap what we have (see placeDelta). */
  resync: boolean;
  /** The final assistant message from run.completed, when the server sent one. */
  final: Partial<ChatMessage> | null;
  /** The catalog id of the model writing the reply, from run.started; null until then. */
  model: string | null;
}

/** A reply as this tab starts it: sending, nothing received yet. */
export function newReply(chatId: string, userContent: string, patch: Partial<Reply>): Reply {
  return {
    chatId,
    runId: null,
    lastEventId: null,
    userContent,
    userCreatedAt: new Date().toISOString(),
    text: "",
    phase: "sending",
    outcome: null,
    error: null,
    stopping: false,
    resync: false,
    final: null,
    model: null,
    ...patch,
  };
}

export function isActive(reply: Pick<Reply, "phase"> | undefined): boolean {
  return !!reply && reply.phase !== "finished";
}

export class ReplyStore {
  private readonly replies = new Map<string, Reply>();
  /** Why a chat's last reply failed, kept after the reply is dismissed (see failure). */
  private readonly failures = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private readonly schedule: (fn: () => void) => void;
  private notifyPending = false;
  private version = 0;

  /** `schedule` batches the notifications of deltas (requestAnimationFrame in browsers). */
  constructor(schedule: (fn: () => void) => void = (fn) => fn()) {
    this.schedule = schedule;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes whenever any reply changes (for useSyncExternalStore). */
  getVersion = (): number => this.version;

  get(chatId: string): Reply | undefined {
    return this.replies.get(chatId);
  }

  has(chatId: string): boolean {
    return this.replies.has(chatId);
  }

  set(reply: Reply): void {
    this.replies.set(reply.chatId, reply);
    this.notify();
  }

  /** Merges `patch` into the chat's reply; `batched` for deltas, which come many per frame. */
  update(chatId: string, patch: Partial<Reply>, batched = false): void {
    const reply = this.replies.get(chatId);
    if (!reply) return;
    this.replies.set(chatId, { ...reply, ...patch });
    this.notify(batched);
  }

  delete(chatId: string): void {
    if (this.replies.delete(chatId)) this.notify();
  }

  /**
   * The reason the chat's last stored reply failed, so its error row says why once the chat has
   * been reloaded with the result. Only this tab knows it: the stored message has no reason.
   */
  failure(chatId: string): string | undefined {
    return this.failures.get(chatId);
  }

  setFailure(chatId: string, message: string | null): void {
    if (message === null) this.failures.delete(chatId);
    else this.failures.set(chatId, message);
  }

  /** Forgets every reply and failure (logout). */
  clear(): void {
    this.replies.clear();
    this.failures.clear();
    this.notify();
  }

  private notify(batched = false): void {
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
