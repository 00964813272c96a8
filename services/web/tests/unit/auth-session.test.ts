import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { AuthSession, authReducer, type AuthState } from "@/lib/auth-session";

import { FakeServer, json } from "./fake-server";

const USER = { id: "u1", email: "ada@example.com" };

function tokens(n: number, expiresIn = 900) {
  // No refresh_token: the browser gets it only as the HttpOnly cookie.
  return { access_token: `access-${n}`, token_type: "bearer", expires_in: expiresIn };
}

/** An auth service whose refresh cookie rotates on every refresh. */
function authServer(options: { loggedIn: boolean }) {
  const server = new FakeServer();
  let issued = 0;
  let cookie = options.loggedIn;
  server.on("POST", "/auth/refresh", () => (cookie ? json(200, tokens(++issued)) : json(401, { detail: "REFRESH_TOKEN_INVALID" })));
  server.on("GET", "/auth/users/me", (r) => (r.headers.get("Authorization")?.startsWith("Bearer access-") ? json(200, USER) : json(401, { detail: "Unauthorized" })));
  server.on("POST", "/auth/logout", () => {
    cookie = false;
    return new Response(null, { status: 204 });
  });
  server.on("POST", "/auth/login", (r) => {
    const form = new URLSearchParams(r.body ?? "");
    if (form.get("username") === USER.email && form.get("password") === "correct horse battery") {
      cookie = true;
      return json(200, tokens(++issued));
    }
    return json(400, { detail: "LOGIN_BAD_CREDENTIALS" });
  });
  return server;
}

describe("authReducer", () => {
  const signedIn: AuthState = { status: "authenticated", user: USER, accessToken: "a", expiresAt: 10 };

  it("moves restoring -> authenticated -> refreshed -> anonymous", () => {
    let state: AuthState = { status: "restoring" };
    state = authReducer(state, { type: "signed_in", user: USER, accessToken: "a", expiresAt: 10 });
    expect(state).toEqual(signedIn);
    state = authReducer(state, { type: "refreshed", accessToken: "b", expiresAt: 20 });
    expect(state).toMatchObject({ status: "authenticated", accessToken: "b", expiresAt: 20, user: USER });
    state = authReducer(state, { type: "signed_out", reason: "logged_out" });
    expect(state).toEqual({ status: "anonymous", reason: "logged_out" });
  });

  it("takes a changed user only for the account signed in", () => {
    const changed = { ...USER, email: "ada@new.example", is_verified: true };
    expect(authReducer(signedIn, { type: "user_changed", user: changed })).toMatchObject({ user: changed, accessToken: "a" });
    expect(authReducer(signedIn, { type: "user_changed", user: { ...changed, id: "u2" } })).toBe(signedIn);
    const anonymous: AuthState = { status: "anonymous", reason: null };
    expect(authReducer(anonymous, { type: "user_changed", user: changed })).toBe(anonymous);
  });

  it("ignores a refresh when nobody is signed in, and a restore when someone is", () => {
    const anonymous: AuthState = { status: "anonymous", reason: null };
    expect(authReducer(anonymous, { type: "refreshed", accessToken: "x", expiresAt: 1 })).toBe(anonymous);
    expect(authReducer(signedIn, { type: "restore" })).toBe(signedIn);
    expect(authReducer(anonymous, { type: "restore" })).toEqual({ status: "restoring" });
  });
});

describe("AuthSession", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("signs out with the reason when chat refuses the account as deactivated", async () => {
    const server = authServer({ loggedIn: true }).on("GET", "/api/chats", () => json(401, { detail: "account deactivated" }));
    const session = new AuthSession({ fetch: server.fetch });
    await session.start();
    await expect(session.api.listChats(null)).rejects.toMatchObject({ code: "account deactivated" });
    expect(session.getState()).toEqual({ status: "anonymous", reason: "account_deactivated" });
  });

  it("restores the session on load from the refresh cookie", async () => {
    const server = authServer({ loggedIn: true });
    const session = new AuthSession({ fetch: server.fetch });
    expect(session.getState().status).toBe("restoring");
    await session.start();
    expect(session.getState()).toMatchObject({ status: "authenticated", user: USER, accessToken: "access-1" });
    expect(server.calls("POST", "/auth/refresh")[0]!.body).toBeNull();
  });

  it("ends up anonymous (without a reason to show) when there is no cookie", async () => {
    const session = new AuthSession({ fetch: authServer({ loggedIn: false }).fetch });
    await session.start();
    expect(session.getState()).toEqual({ status: "anonymous", reason: null });
    expect(session.accessToken()).toBeNull();
  });

  it("starts once even when asked twice (React StrictMode)", async () => {
    const server = authServer({ loggedIn: true });
    const session = new AuthSession({ fetch: server.fetch });
    await Promise.all([session.start(), session.start()]);
    expect(server.calls("POST", "/auth/refresh")).toHaveLength(1);
  });

  it("shares one refresh between concurrent callers: a second one would revoke the family", async () => {
    const server = authServer({ loggedIn: true });
    const session = new AuthSession({ fetch: server.fetch });
    await session.start();
    const results = await Promise.all([session.refreshAccessToken(), session.refreshAccessToken(), session.refreshAccessToken()]);
    expect(results).toEqual(["access-2", "access-2", "access-2"]);
    expect(server.calls("POST", "/auth/refresh")).toHaveLength(2);
  });

  it("refreshes before the access token expires", async () => {
    const server = authServer({ loggedIn: true });
    const session = new AuthSession({ fetch: server.fetch, refreshMarginMs: 60_000 });
    await session.start();
    await vi.advanceTimersByTimeAsync(839_000);
    expect(server.calls("POST", "/auth/refresh")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(server.calls("POST", "/auth/refresh")).toHaveLength(2);
    expect(session.getState()).toMatchObject({ status: "authenticated", accessToken: "access-2" });
    // Only one users/me: a refresh keeps the user it has.
    expect(server.calls("GET", "/auth/users/me")).toHaveLength(1);
  });

  it("signs out with reason 'expired' when the refresh token was revoked", async () => {
    const server = authServer({ loggedIn: true });
    const session = new AuthSession({ fetch: server.fetch });
    await session.start();
    server.on("POST", "/auth/refresh", () => json(401, { detail: "REFRESH_TOKEN_REUSED" }));
    expect(await session.refreshAccessToken()).toBeNull();
    expect(session.getState()).toEqual({ status: "anonymous", reason: "expired" });
  });

  it("keeps a valid token when the auth service cannot be reached, and tries again later", async () => {
    const server = authServer({ loggedIn: true });
    const session = new AuthSession({ fetch: server.fetch });
    await session.start();
    server.on("POST", "/auth/refresh", () => {
      throw new TypeError("Failed to fetch");
    });
    expect(await session.refreshAccessToken()).toBe("access-1");
    expect(session.getState().status).toBe("authenticated");
  });

  it("waits out a 429 on refresh instead of logging the user out", async () => {
    const server = authServer({ loggedIn: true });
    let limited = true;
    server.on("POST", "/auth/refresh", () => {
      if (limited) {
        limited = false;
        return new Response("Too Many Requests", { status: 429, headers: { "Retry-After": "3" } });
      }
      return json(200, tokens(1));
    });
    const session = new AuthSession({ fetch: server.fetch });
    const started = session.start();
    await vi.advanceTimersByTimeAsync(3_000);
    await started;
    expect(session.getState().status).toBe("authenticated");
  });

  it("a restore that fails after the user has logged in does not log them out again", async () => {
    // The page's first refresh (no cookie yet) answers late, after a quick login.
    const server = authServer({ loggedIn: false });
    let answerRestore: (response: Response) => void = () => undefined;
    server.on("POST", "/auth/refresh", () => new Promise<Response>((resolve) => (answerRestore = resolve)));
    const session = new AuthSession({ fetch: server.fetch });
    const restoring = session.start();
    await session.login(USER.email, "correct horse battery");
    answerRestore(json(401, { detail: "REFRESH_TOKEN_INVALID" }));
    await restoring;
    expect(session.getState()).toMatchObject({ status: "authenticated", user: USER });
  });

  it("logs in with the OAuth2 form and maps bad credentials to words", async () => {
    const server = authServer({ loggedIn: false });
    const session = new AuthSession({ fetch: server.fetch });
    await session.start();
    await expect(session.login(USER.email, "wrong password!")).rejects.toMatchObject({
      status: 400,
      message: "Wrong email or password",
    });
    await session.login(USER.email, "correct horse battery");
    expect(server.calls("POST", "/auth/login")[1]!.body).toBe("username=ada%40example.com&password=correct+horse+battery");
    expect(session.getState()).toMatchObject({ status: "authenticated", user: USER });
  });

  it("reports the gateway's 429 with its Retry-After", async () => {
    const server = authServer({ loggedIn: false });
    server.on("POST", "/auth/login", () => new Response("Too Many Requests", { status: 429, headers: { "Retry-After": "17" } }));
    const session = new AuthSession({ fetch: server.fetch });
    await expect(session.login(USER.email, "whatever12345")).rejects.toMatchObject({
      status: 429,
      retryAfter: 17,
      message: "Too many attempts, try again in 17 s",
    });
  });

  it("registers, shows the server's reasons, then logs in", async () => {
    const server = authServer({ loggedIn: false });
    server.on("POST", "/auth/register", (r) => {
      const body = JSON.parse(r.body ?? "{}") as { email: string; password: string };
      if (body.email === "taken@example.com") return json(400, { detail: "REGISTER_USER_ALREADY_EXISTS" });
      if (body.password.length < 12) {
        return json(400, { detail: { code: "REGISTER_INVALID_PASSWORD", reason: "Password should be at least 12 characters" } });
      }
      return json(201, USER);
    });
    const session = new AuthSession({ fetch: server.fetch });
    await expect(session.register("taken@example.com", "correct horse battery")).rejects.toThrow("That email is already registered");
    await expect(session.register(USER.email, "short")).rejects.toThrow("Password should be at least 12 characters");
    await session.register(USER.email, "correct horse battery");
    expect(session.getState().status).toBe("authenticated");
  });

  it("sends an invite code only when one was entered", async () => {
    const server = authServer({ loggedIn: false });
    server.on("POST", "/auth/register", (r) => {
      const body = JSON.parse(r.body ?? "{}") as { invite_code?: string };
      return body.invite_code === "WELCOME-42" ? json(201, USER) : json(403, { detail: "INVITE_CODE_INVALID" });
    });
    const session = new AuthSession({ fetch: server.fetch });
    await expect(session.register(USER.email, "correct horse battery")).rejects.toMatchObject({
      status: 403,
      code: "INVITE_CODE_INVALID",
      message: expect.stringMatching(/invite code is not valid/),
    });
    expect(JSON.parse(server.calls("POST", "/auth/register")[0]!.body!)).toEqual({ email: USER.email, password: "correct horse battery" });
    await session.register(USER.email, "correct horse battery", "  WELCOME-42 ");
    expect(session.getState().status).toBe("authenticated");
  });

  it("ends a session the server ended, here and in the other tabs", async () => {
    const server = authServer({ loggedIn: true });
    const posted: unknown[] = [];
    const channel = { postMessage: (m: unknown) => posted.push(m), addEventListener: () => undefined, close: () => undefined };
    const session = new AuthSession({ fetch: server.fetch, channel });
    await session.start();
    session.endSession("account_deleted");
    expect(session.getState()).toEqual({ status: "anonymous", reason: "account_deleted" });
    expect(posted).toEqual([{ type: "logout" }]);
    // Nothing left to revoke: no /auth/logout call.
    expect(server.calls("POST", "/auth/logout")).toHaveLength(0);
  });

  it("logout forgets the token, revokes the cookie and tells other tabs", async () => {
    const server = authServer({ loggedIn: true });
    const posted: unknown[] = [];
    const channel = { postMessage: (m: unknown) => posted.push(m), addEventListener: () => undefined, close: () => undefined };
    const session = new AuthSession({ fetch: server.fetch, channel });
    await session.start();
    await session.logout();
    expect(session.getState()).toEqual({ status: "anonymous", reason: "logged_out" });
    expect(session.accessToken()).toBeNull();
    expect(server.calls("POST", "/auth/logout")).toHaveLength(1);
    expect(posted).toEqual([{ type: "logout" }]);
    // The cookie is gone: a reload stays logged out.
    const reloaded = new AuthSession({ fetch: server.fetch });
    await reloaded.start();
    expect(reloaded.getState().status).toBe("anonymous");
  });

  it("follows a logout made in another tab", async () => {
    const server = authServer({ loggedIn: true });
    let deliver: (event: { data: unknown }) => void = () => undefined;
    const channel = {
      postMessage: () => undefined,
      addEventListener: (_: "message", listener: (event: { data: unknown }) => void) => {
        deliver = listener;
      },
      close: () => undefined,
    };
    const session = new AuthSession({ fetch: server.fetch, channel });
    await session.start();
    deliver({ data: { type: "logout" } });
    expect(session.getState()).toEqual({ status: "anonymous", reason: "logged_out" });
  });

  it("treats an expired access token as absent", async () => {
    const server = authServer({ loggedIn: true });
    let now = 1_000_000;
    const session = new AuthSession({ fetch: server.fetch, now: () => now });
    await session.start();
    expect(session.accessToken()).toBe("access-1");
    now += 901_000;
    expect(session.accessToken()).toBeNull();
  });
});
