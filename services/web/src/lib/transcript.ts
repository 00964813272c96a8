/**
 * What the conversation shows: the stored messages of a chat plus this tab's live reply, turned
 * into rows on screen. Pure; the chat view and the cache update after a reply both use it.
 */
import { isActive, type Reply } from "./replies/store";
import type { ChatDetail, ChatMessage, MessageStatus } from "./types";

export interface Row {
  key: string;
  role: "user" | "assistant";
  content: string;
  status: MessageStatus | "streaming";
  errorText?: string;
  /** The user text to send again from a failed reply's Retry button. */
  retryContent?: string;
  /** The catalog id of the model that wrote (or is writing) an assistant row, when known. */
  model?: string;
}

/** What the transcript reads of a live reply. */
export type LiveReply = Pick<
  Reply,
  "runId" | "userContent" | "userCreatedAt" | "text" | "phase" | "outcome" | "error" | "final" | "model"
>;

const FINAL: ReadonlySet<string> = new Set<MessageStatus>(["completed", "cancelled", "error"]);

function isFinal(message: ChatMessage): boolean {
  return FINAL.has(message.status);
}

/** True when the last stored message is the live reply's question (the server lists it). */
function endsWithQuestion(messages: ChatMessage[], reply: LiveReply): boolean {
  const last = messages.at(-1);
  return last?.role === "user" && last.content === reply.userContent;
}

/** Stored messages as rows; `lastFailure` says why the last one failed, when this tab saw it. */
function storedRows(stored: ChatMessage[], lastFailure: string | undefined): Row[] {
  return stored.map((m, index) => {
    const row: Row = { key: m.id, role: m.role, content: m.content, status: m.status };
    if (m.role === "assistant" && m.model) row.model = m.model;
    if (m.role === "assistant" && m.status === "error") {
      const isLast = index === stored.length - 1;
      row.errorText = (isLast && lastFailure) || "The reply failed.";
      const prompt = stored.slice(0, index).findLast((p) => p.role === "user");
      if (isLast && prompt) row.retryContent = prompt.content;
    }
    return row;
  });
}

/**
 * The stored messages with a reply that has ended merged in: its question (unless listed) and
 * the reply with its outcome. When they already hold that reply (a refetch came first), they
 * are left as they are.
 */
function withReplyMessages(messages: ChatMessage[], reply: LiveReply): ChatMessage[] {
  const settled = messages.filter(isFinal);
  const last = settled.at(-1);
  const alreadyStored =
    last?.role === "assistant" && last.content === reply.text && settled.at(-2)?.content === reply.userContent;
  if (alreadyStored) return messages;
  const extra: ChatMessage[] = [];
  if (!endsWithQuestion(settled, reply)) {
    extra.push({
      id: `local-user-${reply.runId}`,
      role: "user",
      content: reply.userContent,
      status: "completed",
      created_at: reply.userCreatedAt,
    });
  }
  const model = reply.final?.model ?? reply.model;
  extra.push({
    id: reply.final?.id ?? `local-${reply.runId}`,
    role: "assistant",
    content: reply.text,
    status: reply.outcome ?? "error",
    created_at: reply.final?.created_at ?? new Date().toISOString(),
    ...(model ? { model } : {}),
  });
  return [...settled, ...extra];
}

/**
 * The rows on screen. `lastFailure` is why the chat's last reply failed, when this tab saw it
 * (the stored error message carries no reason).
 */
export function transcriptRows(messages: ChatMessage[], reply: LiveReply | undefined, lastFailure?: string): Row[] {
  if (!reply) return storedRows(messages, lastFailure);
  const active = isActive(reply);
  // Refused for usage: the composer says why and keeps the text to send later; nothing to draw.
  if (!active && !reply.runId && reply.error?.refusal) return storedRows(messages, lastFailure);
  // A run that ended is stored: shown as the stored chat will show it once refetched.
  if (!active && reply.runId) return storedRows(withReplyMessages(messages, reply), lastFailure);
  // While we follow a reply ourselves, a half-written one the server may list is ours to draw.
  const stored = active ? messages.filter(isFinal) : messages;
  const rows = storedRows(stored, lastFailure);
  if (!endsWithQuestion(stored, reply)) {
    rows.push({ key: `live-user-${reply.userCreatedAt}`, role: "user", content: reply.userContent, status: "completed" });
  }
  if (active) {
    const live: Row = { key: `live-reply-${reply.userCreatedAt}`, role: "assistant", content: reply.text, status: "streaming" };
    // run.started names the model writing it.
    if (reply.model) live.model = reply.model;
    rows.push(live);
  } else if (reply.outcome === "error") {
    // Refused before a run began (409, network, validation): nothing was stored.
    rows.push({
      key: `live-reply-${reply.userCreatedAt}`,
      role: "assistant",
      content: "",
      status: "error",
      errorText: `Not sent: ${reply.error?.message ?? "unknown error"}`,
      retryContent: reply.userContent,
    });
  }
  return rows;
}

/**
 * The cached chat once a reply has ended, until the refetch that brings the stored result: the
 * reply merged in (see withReplyMessages), nothing in flight.
 */
export function withFinishedReply(detail: ChatDetail | undefined, reply: LiveReply): ChatDetail | undefined {
  if (!detail) return detail;
  return { ...detail, active_run_id: null, messages: withReplyMessages(detail.messages, reply) };
}
