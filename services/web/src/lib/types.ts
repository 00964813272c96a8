/** Shapes of the chat API (services/chat) as the web client reads them. */

export type MessageRole = "user" | "assistant";
export type MessageStatus = "completed" | "cancelled" | "error";

export interface ChatMessage {
  id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  created_at: string;
}

export interface ChatSummary {
  id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChatDetail extends ChatSummary {
  messages: ChatMessage[];
  /** The run still in flight, if any: follow it with GET /runs/{id}/events. */
  active_run_id?: string | null;
}

export interface ChatPage {
  items: ChatSummary[];
  next_cursor: string | null;
}

export interface User {
  id: string;
  email: string;
  is_active?: boolean;
  is_verified?: boolean;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}
