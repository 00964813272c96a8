import { describe, expect, it } from "vitest";

import { Account, linkOutcome } from "@/lib/account";
import { AuthSession } from "@/lib/auth-session";
import { ApiError } from "@/lib/errors";
import type { User } from "@/lib/types";

import { FakeServer, json } from "./fake-server";

const PASSWORD = "correct horse battery";

/**
 * An auth service as the contract describes it: access tokens carry the account's token
 * version, and a password change, log out everywhere or deletion ends every older one.
 */
function authServer() {
  const server = new FakeServer();
  let user: User = { id: "u1", email: "ada@example.com", is_verified: false, pending_email: null };
  let password = PASSWORD;
  let version = 0;
  let issued = 0;
  let cookie: string | null = `cookie-v${version}`;
  let exists = true;
  const token = () => `access-${++issued}-v${version}`;
  const tokens = () => json(200, { access_token: token(), token_type: "bearer", expires_in: 900 });
  const authorized = (r: { headers: Headers }) =>
    exists && r.headers.get("Authorization")?.endsWith(`-v${version}`) === true;
  const bodyOf = (r: { body: string | null }) => JSON.parse(r.body ?? "{}") as Record<string, string>;

  server.on("POST", "/auth/refresh", () => (exists && cookie === `cookie-v${version}` ? tokens() : json(401, { detail: "REFRESH_TOKEN_INVALID" })));
  server.on("GET", "/auth/users/me", (r) => (authorized(r) ? json(200, user) : json(401, { detail: "Unauthorized" })));
  server.on("PATCH", "/auth/users/me", (r) => {
    if (!authorized(r)) return json(401, { detail: "Unauthorized" });
    const body = bodyOf(r);
    if (body.current_password !== password) return json(400, { detail: "CURRENT_PASSWORD_INVALID" });
    if (body.password) {
      password = body.password;
      version += 1;
      cookie = `cookie-v${version}`; // the fresh cookie of the PATCH answer
    }
    if (body.email) user = { ...user, pending_email: body.email };
    return json(200, user);
  });
  server.on("POST", "/auth/logout-all", (r) => {
    if (!authorized(r)) return json(401, { detail: "Unauthorized" });
    version += 1;
    cookie = null;
    return new Response(null, { status: 204 });
  });
  server.on("DELETE", "/auth/users/me", (r) => {
    if (!authorized(r)) return json(401, { detail: "Unauthorized" });
    if (bodyOf(r).current_password !== password) return json(400, { detail: "CURRENT_PASSWORD_INVALID" });
    exists = false;
    return new Response(null, { status: 204 });
  });
  server.on("POST", "/auth/verify", (r) => {
    const { token: link } = bodyOf(r);
    if (link === "used") return json(400, { detail: "VERIFY_USER_BAD_TOKEN" });
    if (user.is_verified && !user.pending_email) return json(400, { detail: "VERIFY_USER_ALREADY_VERIFIED" });
    user = { ...user, email: user.pending_email ?? user.email, pending_email: null, is_verified: true };
    return json(200, user);
  });
  server.on("POST", "/auth/sso/corp/delete-account", (r) =>
    authorized(r) ? json(200, { url: "https://idp.example/auth?prompt=login" }) : json(401, { detail: "Unauthorized" }),
  );
  server.on("POST", "/auth/sso/other/delete-account", () => json(400, { detail: "SSO_NOT_LINKED" }));
  server.on("POST", "/auth/forgot-password", () => new Response(null, { status: 202 }));
  server.on("POST", "/auth/request-verify-token", () => json(429, { detail: "RATE_LIMITED" }, { "Retry-After": "30" }));
  return { server, user: () => user };
}

async function signedIn() {
  const auth = authServer();
  const session = new AuthSession({ fetch: auth.server.fetch });
  await session.start();
  return { ...auth, session, account: new Account(session, auth.server.fetch) };
}

describe("Account, signed in", () => {
  it("after a password change, this tab gets a new access token: the old one is refused", async () => {
    const { session, account, server } = await signedIn();
    const before = session.accessToken();
    await account.changePassword(PASSWORD, "a much better passphrase");
    expect(session.accessToken()).not.toBe(before);
    expect(session.getState().status).toBe("authenticated");
    // The next call works with the new token, no refresh-and-retry needed.
    await account.reloadUser();
    expect(server.requests.filter((r) => r.path === "/auth/users/me").at(-1)!.headers.get("Authorization")).toBe(
      `Bearer ${session.accessToken()}`,
    );
    expect(JSON.parse(server.calls("PATCH", "/auth/users/me")[0]!.body!)).toEqual({
      current_password: PASSWORD,
      password: "a much better passphrase",
    });
  });

  it("a wrong current password changes nothing and says so", async () => {
    const { session, account } = await signedIn();
    const before = session.accessToken();
    await expect(account.changePassword("not my password", "a much better passphrase")).rejects.toMatchObject({
      code: "CURRENT_PASSWORD_INVALID",
      message: "Your current password is not right",
    });
    expect(session.accessToken()).toBe(before);
  });

  it("an email change shows the pending address until its link is opened", async () => {
    const { session, account } = await signedIn();
    const user = await account.changeEmail(PASSWORD, "ada@new.example");
    expect(user.pending_email).toBe("ada@new.example");
    expect(session.getState()).toMatchObject({ user: { email: "ada@example.com", pending_email: "ada@new.example" } });
    await account.verifyEmail("good");
    await account.refreshAfterVerification();
    expect(session.getState()).toMatchObject({ user: { email: "ada@new.example", pending_email: null, is_verified: true } });
  });

  it("log out everywhere ends this session too, with its own reason", async () => {
    const { session, account, server } = await signedIn();
    await account.logoutEverywhere();
    expect(session.getState()).toEqual({ status: "anonymous", reason: "logged_out_everywhere" });
    // A reload finds no session either.
    const reloaded = new AuthSession({ fetch: server.fetch });
    await reloaded.start();
    expect(reloaded.getState().status).toBe("anonymous");
  });

  it("deleting needs the current password, then signs out", async () => {
    const { session, account, server } = await signedIn();
    await expect(account.deleteAccount("guess")).rejects.toMatchObject({ code: "CURRENT_PASSWORD_INVALID" });
    expect(session.getState().status).toBe("authenticated");
    await account.deleteAccount(PASSWORD);
    expect(session.getState()).toEqual({ status: "anonymous", reason: "account_deleted" });
    expect(JSON.parse(server.calls("DELETE", "/auth/users/me")[1]!.body!)).toEqual({ current_password: PASSWORD });
  });
});

describe("Account, deleting through single sign-on", () => {
  it("asks for the provider's URL with the session's token; nothing ends until the provider answers", async () => {
    const { session, account, server } = await signedIn();
    await expect(account.startSsoDeletion("corp")).resolves.toBe("https://idp.example/auth?prompt=login");
    expect(server.calls("POST", "/auth/sso/corp/delete-account")[0]!.headers.get("Authorization")).toBe(
      `Bearer ${session.accessToken()}`,
    );
    expect(session.getState().status).toBe("authenticated");
  });

  it("a provider the account is not linked to is refused in words", async () => {
    const { account } = await signedIn();
    await expect(account.startSsoDeletion("other")).rejects.toMatchObject({
      code: "SSO_NOT_LINKED",
      message: "This account is not linked to that sign-in provider.",
    });
  });
});

describe("Account, from a mail's link", () => {
  it("asks for a reset link without a session", async () => {
    const { server } = authServer();
    const account = new Account(new AuthSession({ fetch: server.fetch }), server.fetch);
    await account.requestPasswordReset("ada@example.com");
    const [call] = server.calls("POST", "/auth/forgot-password");
    expect(JSON.parse(call!.body!)).toEqual({ email: "ada@example.com" });
    expect(call!.headers.get("Authorization")).toBeNull();
  });

  it("a second click on the link says the address is confirmed already", async () => {
    const { server } = authServer();
    const account = new Account(new AuthSession({ fetch: server.fetch }), server.fetch);
    await account.verifyEmail("good");
    const error = await account.verifyEmail("good").catch((e: unknown) => e);
    expect(linkOutcome(error)).toBe("already_done");
    expect(linkOutcome(await account.verifyEmail("used").catch((e: unknown) => e))).toBe("invalid_link");
  });

  it("a throttled resend reports how long to wait", async () => {
    const { server } = authServer();
    const account = new Account(new AuthSession({ fetch: server.fetch }), server.fetch);
    await expect(account.requestVerification("ada@example.com")).rejects.toMatchObject({
      status: 429,
      code: "RATE_LIMITED",
      retryAfter: 30,
      message: "Too many attempts, try again in 30 s",
    });
  });
});

describe("linkOutcome", () => {
  it("names what a link's page shows", () => {
    expect(linkOutcome(null)).toBe("done");
    expect(linkOutcome(new ApiError(400, "RESET_PASSWORD_BAD_TOKEN", "x"))).toBe("invalid_link");
    expect(linkOutcome(new ApiError(422, "VALIDATION_ERROR", "x"))).toBe("invalid_link");
    expect(linkOutcome(new ApiError(429, "RATE_LIMITED", "x", 5))).toBe("rate_limited");
    expect(linkOutcome(new ApiError(0, "NETWORK", "x"))).toBe("failed");
    expect(linkOutcome(new ApiError(500, "HTTP_500", "x"))).toBe("failed");
  });
});
