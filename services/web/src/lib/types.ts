/** Shapes of the auth and chat APIs as the web client reads them. */

export type MessageRole = "user" | "assistant";
export type MessageStatus = "completed" | "cancelled" | "error";

export interface ChatMessage {
  id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  created_at: string;
  /** The catalog id of the model that wrote an assistant message; null on user messages. */
  model?: string | null;
}

export interface ChatSummary {
  id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
  /** The model this chat's turns use (a catalog id); null: the catalog's default. */
  model?: string | null;
}

/** A model this user may pick (`GET /api/models`). */
export interface ModelInfo {
  id: string;
  display_name: string;
  context_tokens: number;
  max_output_tokens: number;
  default: boolean;
}

export interface ModelList {
  items: ModelInfo[];
  default_model: string | null;
}

/** One page of a chat: its newest turns, or those before a cursor (`ApiClient.getChat`). */
export interface ChatDetail extends ChatSummary {
  /** The page's messages, oldest first. */
  messages: ChatMessage[];
  /** The run still in flight, if any (its reply is not in `messages`): follow it with GET /runs/{id}/events. */
  active_run_id: string | null;
  /** Older turns exist: pass it as `before` for the page just before this one; null on the first page. */
  older_cursor: string | null;
}

export interface ChatPage {
  items: ChatSummary[];
  next_cursor: string | null;
}

/** What an account may do: admins have the /admin console and chat's admin API. */
export type Role = "admin" | "member";

/** `UserRead` of the auth service (`GET /auth/users/me`). */
export interface User {
  id: string;
  email: string;
  is_active?: boolean;
  is_superuser?: boolean;
  is_verified?: boolean;
  created_at?: string;
  /** An email change waiting for its confirmation link to be opened, or null. */
  pending_email?: string | null;
  /** Absent from an auth service older than roles: read it with `roleOf`. */
  role?: Role;
  /** The slugs of the groups the account is in (sorted), manual and from single sign-on. */
  groups?: string[];
  /** The single sign-on providers the account is linked to (ids, sorted): each can confirm its deletion. */
  sso_providers?: string[];
}

/**
 * What login and refresh answer. The refresh token is never in it for the browser: it lives
 * only in the HttpOnly cookie (the body carries one only for clients that ask with
 * `X-Refresh-Token-Delivery: body`, which this client never sends).
 */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}
