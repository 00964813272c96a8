/**
 * The browser's auth session: a small state machine plus the token lifecycle around it.
 * The access token lives only in this object's memory; the refresh token only in the
 * HttpOnly cookie the auth service sets (Path=/auth), which scripts cannot read.
 */
import { ApiClient, type FetchLike } from "./api";
import { ApiError, errorFromResponse, networkError } from "./errors";
import type { TokenResponse, User } from "./types";

/** Why nobody is signed in, for the login page to say (null: nothing to say). */
export type SignOutReason =
  | "logged_out"
  | "logged_out_everywhere"
  | "account_deleted"
  | "account_deactivated"
  | "expired"
  | "unavailable"
  | null;

export type AuthState =
  | { status: "restoring" }
  | { status: "anonymous"; reason: SignOutReason }
  | { status: "authenticated"; user: User; accessToken: string; expiresAt: number };

export type AuthEvent =
  | { type: "restore" }
  | { type: "signed_in"; user: User; accessToken: string; expiresAt: number }
  | { type: "refreshed"; accessToken: string; expiresAt: number }
  | { type: "user_changed"; user: User }
  | { type: "signed_out"; reason: SignOutReason };

/** Pure transitions; events that make no sense in the current state leave it unchanged. */
export function authReducer(state: AuthState, event: AuthEvent): AuthState {
  switch (event.type) {
    case "restore":
      return state.status === "authenticated" ? state : { status: "restoring" };
    case "signed_in":
      return {
        status: "authenticated",
        user: event.user,
        accessToken: event.accessToken,
        expiresAt: event.expiresAt,
      };
    case "refreshed":
      return state.status === "authenticated"
        ? { ...state, accessToken: event.accessToken, expiresAt: event.expiresAt }
        : state;
    case "user_changed":
      return state.status === "authenticated" && state.user.id === event.user.id
        ? { ...state, user: event.user }
        : state;
    case "signed_out":
      return { status: "anonymous", reason: event.reason };
  }
}

interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export interface AuthSessionOptions {
  fetch: FetchLike;
  now?: () => number;
  timers?: Timers;
  /** Web Locks serialise refreshes across tabs: the server revokes a family on reuse. */
  locks?: LockManagerLike | null;
  /** Tells other tabs about logins and logouts. */
  channel?: ChannelLike | null;
  /** Refresh this long before expiry (capped at a fifth of the token's lifetime). */
  refreshMarginMs?: number;
}

const MAX_RATE_LIMIT_WAITS = 2;

export class AuthSession {
  readonly api: ApiClient;
  private state: AuthState = { status: "restoring" };
  private readonly listeners = new Set<() => void>();
  private readonly fetchImpl: FetchLike;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly locks: LockManagerLike | null;
  private readonly channel: ChannelLike | null;
  private readonly refreshMarginMs: number;
  private inflight: Promise<string | null> | null = null;
  private timer: unknown = null;
  private started = false;
  /** Counts logins, so a refresh sent before one cannot undo it (see refreshOnce). */
  private logins = 0;

  constructor(options: AuthSessionOptions) {
    this.fetchImpl = options.fetch;
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    this.locks = options.locks ?? null;
    this.channel = options.channel ?? null;
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.api = new ApiClient({
      fetch: this.fetchImpl,
      tokens: {
        accessToken: () => this.accessToken(),
        refreshAccessToken: () => this.refreshAccessToken(),
        accountDeactivated: () => {
          if (this.state.status !== "anonymous") this.endSession("account_deactivated");
        },
      },
    });
  }

  getState = (): AuthState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  accessToken(): string | null {
    if (this.state.status !== "authenticated") return null;
    // A token past its expiry is useless; the caller refreshes instead of collecting a 401.
    return this.state.expiresAt > this.now() ? this.state.accessToken : null;
  }

  /** Restores the session from the refresh cookie, once per page load. */
  start(): Promise<void> {
    if (this.started) return this.inflight?.then(() => undefined) ?? Promise.resolve();
    this.started = true;
    this.channel?.addEventListener("message", ({ data }) => this.onBroadcast(data));
    this.dispatch({ type: "restore" });
    return this.refreshAccessToken().then(() => undefined);
  }

  async login(email: string, password: string): Promise<void> {
    const body = new URLSearchParams({ username: email, password });
    const response = await this.call("/auth/login", { method: "POST", body });
    if (!response.ok) throw await errorFromResponse(response);
    this.logins += 1;
    await this.acceptTokens((await response.json()) as TokenResponse, true);
    this.channel?.postMessage({ type: "login" });
  }

  /** Creates the account (with an invite code when the server asks for one) and logs in. */
  async register(email: string, password: string, inviteCode = ""): Promise<void> {
    const invite = inviteCode.trim();
    const response = await this.call("/auth/register", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(invite ? { email, password, invite_code: invite } : { email, password }),
    });
    if (!response.ok) throw await errorFromResponse(response);
    await this.login(email, password);
  }

  async logout(): Promise<void> {
    const token = this.accessToken();
    this.signOut("logged_out");
    this.channel?.postMessage({ type: "logout" });
    try {
      // Revokes the refresh token family and clears the cookie; the local state is gone already.
      await this.call("/auth/logout", {
        method: "POST",
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
    } catch {
      // Offline: the cookie expires on its own, and nothing remains in this tab.
    }
  }

  /** The signed-in user as the server now has it (after an email change or a verification). */
  userChanged(user: User): void {
    this.dispatch({ type: "user_changed", user });
  }

  /**
   * Ends the session here and in this browser's other tabs after the server has ended it
   * (log out everywhere, account deleted): nothing is left to revoke.
   */
  endSession(reason: SignOutReason): void {
    this.signOut(reason);
    this.channel?.postMessage({ type: "logout" });
  }

  /** One refresh at a time per tab (and per browser with Web Locks). */
  refreshAccessToken(): Promise<string | null> {
    if (!this.inflight) {
      const run = () => this.refreshOnce();
      const work = this.locks ? this.locks.request("parley-auth-refresh", run) : run();
      this.inflight = work.finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  /** Stops timers and listeners (page unload, tests). */
  dispose(): void {
    this.clearTimer();
    this.channel?.close();
    this.listeners.clear();
  }

  private async refreshOnce(): Promise<string | null> {
    const wasAuthenticated = this.state.status === "authenticated";
    const logins = this.logins;
    for (let attempt = 0; ; attempt++) {
      let response: Response | null = null;
      try {
        response = await this.call("/auth/refresh", { method: "POST" });
      } catch {
        // Unreachable: decided below, once it is clear no login happened meanwhile.
      }
      // A login finished while this was in flight (the page's restore, sent without a cookie,
      // answering 401 after the user logged in): the login's tokens stand.
      if (this.logins !== logins) return this.accessToken();
      if (!response) return this.refreshFailed(wasAuthenticated);
      if (response.ok) {
        try {
          await this.acceptTokens((await response.json()) as TokenResponse, !wasAuthenticated);
        } catch {
          return this.refreshFailed(wasAuthenticated);
        }
        return this.accessToken();
      }
      if (response.status === 429 && attempt < MAX_RATE_LIMIT_WAITS) {
        const error = await errorFromResponse(response);
        await new Promise((resolve) =>
          this.timers.setTimeout(() => resolve(null), (error.retryAfter ?? 1) * 1000),
        );
        continue;
      }
      if (response.status >= 500 || response.status === 429) {
        return this.refreshFailed(wasAuthenticated);
      }
      // 400/401/403: the refresh token is gone, expired or revoked.
      this.signOut(wasAuthenticated ? "expired" : null);
      return null;
    }
  }

  /** The server could not be asked: keep a still-valid token and try again a bit later. */
  private refreshFailed(wasAuthenticated: boolean): string | null {
    if (wasAuthenticated && this.accessToken()) {
      this.schedule(15_000);
      return this.accessToken();
    }
    this.signOut(wasAuthenticated ? "expired" : "unavailable");
    return null;
  }

  private async acceptTokens(tokens: TokenResponse, loadUser: boolean): Promise<void> {
    const issuedAt = this.now();
    const expiresAt = issuedAt + tokens.expires_in * 1000;
    if (loadUser || this.state.status !== "authenticated") {
      const response = await this.call("/auth/users/me", {
        headers: { Authorization: `Bearer ${tokens.access_token}` },
      });
      if (!response.ok) throw await errorFromResponse(response);
      const user = (await response.json()) as User;
      this.dispatch({ type: "signed_in", user, accessToken: tokens.access_token, expiresAt });
    } else {
      this.dispatch({ type: "refreshed", accessToken: tokens.access_token, expiresAt });
    }
    const lifetime = tokens.expires_in * 1000;
    const margin = Math.min(this.refreshMarginMs, lifetime / 5);
    this.schedule(Math.max(1_000, lifetime - margin));
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (this.state.status === "authenticated") void this.refreshAccessToken();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private signOut(reason: SignOutReason): void {
    this.clearTimer();
    this.dispatch({ type: "signed_out", reason });
  }

  private onBroadcast(data: unknown): void {
    const type = (data as { type?: string } | null)?.type;
    if (type === "logout" && this.state.status !== "anonymous") this.signOut("logged_out");
    if (type === "login" && this.state.status === "anonymous") {
      this.dispatch({ type: "restore" });
      void this.refreshAccessToken();
    }
  }

  private async call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(path, { ...init, credentials: "same-origin" });
    } catch {
      throw networkError();
    }
  }

  private dispatch(event: AuthEvent): void {
    const next = authReducer(this.state, event);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

export { ApiError };
