/**
 * The chat API client: adds the bearer token, and on a 401 refreshes once and retries once.
 */
import { ApiError, errorFromResponse, isAccountDeactivated, networkError } from "./errors";
import type { ChatDetail, ChatPage, ChatSummary, ModelList } from "./types";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** What the client needs from the auth session. */
export interface TokenSource {
  /** The current access token, or null when signed out. */
  accessToken(): string | null;
  /** Gets a new access token (single-flight); null means the session is over. */
  refreshAccessToken(): Promise<string | null>;
  /** The server refused the account as deactivated: the session is over, whatever a refresh says. */
  accountDeactivated?(): void;
}

export interface ApiClientOptions {
  fetch: FetchLike;
  tokens: TokenSource;
  baseUrl?: string;
}

export class ApiClient {
  private readonly fetchImpl: FetchLike;
  private readonly tokens: TokenSource;
  private readonly baseUrl: string;

  constructor({ fetch, tokens, baseUrl = "" }: ApiClientOptions) {
    this.fetchImpl = fetch;
    this.tokens = tokens;
    this.baseUrl = baseUrl;
  }

  /** Sends an authorized request; returns the response when ok, throws ApiError otherwise. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    let token = this.tokens.accessToken() ?? (await this.tokens.refreshAccessToken());
    if (!token) throw new ApiError(401, "NOT_AUTHENTICATED", "Please log in again");
    let response = await this.send(path, init, token);
    if (response.status === 401) {
      const refusal = await errorFromResponse(response.clone());
      if (isAccountDeactivated(refusal)) {
        this.tokens.accountDeactivated?.();
        throw refusal;
      }
      // The token may have expired in flight or been rotated by another tab: one refresh, one retry.
      token = await this.tokens.refreshAccessToken();
      if (!token) throw new ApiError(401, "NOT_AUTHENTICATED", "Please log in again");
      response = await this.send(path, init, token);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(path: string, init: RequestInit, token: string): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${token}`);
    if (init.body && typeof init.body === "string" && !headers.has("Content-Type")) {
      headers.set("Content-Type", "application/json");
    }
    try {
      return await this.fetchImpl(this.baseUrl + path, { ...init, headers });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw networkError();
    }
  }

  // The chat service, behind /api.
  listChats(cursor: string | null, limit = 30): Promise<ChatPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    return this.json<ChatPage>(`/api/chats?${query}`);
  }

  /** A new chat; `model` (a catalog id) is the one its turns use, else the default. */
  createChat({ title, model }: { title?: string; model?: string | null } = {}): Promise<ChatSummary> {
    return this.json<ChatSummary>("/api/chats", {
      method: "POST",
      body: JSON.stringify({ ...(title ? { title } : {}), ...(model ? { model } : {}) }),
    });
  }

  /** The models this user may use, the default marked. */
  listModels(): Promise<ModelList> {
    return this.json<ModelList>("/api/models");
  }

  /** The chat's model from now on (remembered on the chat); null goes back to the default. */
  setChatModel(id: string, model: string | null): Promise<ChatSummary> {
    return this.json<ChatSummary>(`/api/chats/${encodeURIComponent(id)}`, {
      method: "PATCH",
      body: JSON.stringify({ model }),
    });
  }

  /** A page of the chat's turns: the newest ones, or those just before `before` (an `older_cursor`). */
  getChat(id: string, before: string | null = null, limit?: number): Promise<ChatDetail> {
    const query = new URLSearchParams();
    if (before) query.set("before", before);
    if (limit) query.set("limit", String(limit));
    const search = query.size ? `?${query}` : "";
    return this.json<ChatDetail>(`/api/chats/${encodeURIComponent(id)}${search}`);
  }

  renameChat(id: string, title: string): Promise<ChatSummary> {
    return this.json<ChatSummary>(`/api/chats/${encodeURIComponent(id)}`, {
      method: "PATCH",
      body: JSON.stringify({ title }),
    });
  }

  deleteChat(id: string): Promise<void> {
    return this.json<void>(`/api/chats/${encodeURIComponent(id)}`, { method: "DELETE" });
  }

  /**
   * Starts a run; the response body is the event stream. `model` is this turn's model (the
   * chat's is used when it is null); one no longer available is refused with a 422.
   */
  sendMessage(id: string, content: string, signal?: AbortSignal, model?: string | null): Promise<Response> {
    return this.request(`/api/chats/${encodeURIComponent(id)}/messages`, {
      method: "POST",
      body: JSON.stringify(model ? { content, model } : { content }),
      headers: { Accept: "text/event-stream" },
      signal,
    });
  }

  /** Reattaches to a run's events after `lastEventId` (all of them when null). */
  runEvents(id: string, runId: string, lastEventId: string | null, signal?: AbortSignal) {
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    return this.request(
      `/api/chats/${encodeURIComponent(id)}/runs/${encodeURIComponent(runId)}/events`,
      { headers, signal },
    );
  }

  cancelRun(id: string, runId: string): Promise<void> {
    return this.json<void>(
      `/api/chats/${encodeURIComponent(id)}/runs/${encodeURIComponent(runId)}/cancel`,
      { method: "POST" },
    );
  }
}
