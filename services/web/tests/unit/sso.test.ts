import { describe, expect, it } from "vitest";

import {
  deletionMethods,
  fetchLoginOptions,
  loginPage,
  parseLoginOptions,
  PASSWORD_ONLY,
  ssoErrorMessage,
  ssoLoginHref,
} from "@/lib/sso";

import { FakeServer, json } from "./fake-server";

describe("login options", () => {
  it("reads the providers and whether the password form and register link show", async () => {
    const server = new FakeServer().on("GET", "/auth/sso/providers", () =>
      json(200, { providers: [{ id: "corp", name: "Corp SSO" }], password_login: false, registration: false }),
    );
    await expect(fetchLoginOptions(server.fetch)).resolves.toEqual({
      providers: [{ id: "corp", name: "Corp SSO" }],
      password_login: false,
      registration: false,
    });
  });

  it("is the password form alone when the auth service has no single sign-on route (404)", async () => {
    const server = new FakeServer();
    await expect(fetchLoginOptions(server.fetch)).resolves.toEqual(PASSWORD_ONLY);
  });

  it("keeps the password form when the route cannot be reached or answers nonsense", async () => {
    await expect(fetchLoginOptions(() => Promise.reject(new TypeError("offline")))).resolves.toEqual(PASSWORD_ONLY);
    const server = new FakeServer().on("GET", "/auth/sso/providers", () => new Response("<html>", { status: 200 }));
    await expect(fetchLoginOptions(server.fetch)).resolves.toEqual(PASSWORD_ONLY);
    expect(parseLoginOptions({ providers: [{ id: 3 }, { id: "ok", name: "Ok" }] })).toEqual({
      providers: [{ id: "ok", name: "Ok" }],
      password_login: true,
      registration: true,
    });
  });

  it("starts a provider's sign-in with the page to come back to", () => {
    expect(ssoLoginHref("corp", "/chats/42?x=1")).toBe("/auth/sso/corp/login?next=%2Fchats%2F42%3Fx%3D1");
    expect(ssoLoginHref("a b", "/")).toBe("/auth/sso/a%20b/login?next=%2F");
  });

  it("says what went wrong for each sign-in failure, and something for an unknown code", () => {
    expect(ssoErrorMessage(null)).toBeNull();
    expect(ssoErrorMessage("SSO_EMAIL_NOT_VERIFIED")).toMatch(/not confirmed your email/);
    expect(ssoErrorMessage("SSO_ACCOUNT_EXISTS")).toMatch(/already exists/);
    expect(ssoErrorMessage("SSO_DEACTIVATED")).toMatch(/deactivated/);
    expect(ssoErrorMessage("SSO_STATE_INVALID")).toMatch(/start again/);
    expect(ssoErrorMessage("SSO_FAILED")).toMatch(/did not work/);
    expect(ssoErrorMessage("<script>")).toBe(ssoErrorMessage("SSO_FAILED"));
  });

  it("hides the password form and the register link on an SSO-only server", () => {
    const ssoOnly = { providers: [{ id: "corp", name: "Corp" }], password_login: false, registration: false };
    expect(loginPage(ssoOnly, "login")).toEqual({ passwordForm: false, otherLink: false, registrationClosed: false });
    expect(loginPage(ssoOnly, "register")).toEqual({ passwordForm: false, otherLink: true, registrationClosed: true });
  });

  it("hides only the register link when the server takes no new accounts", () => {
    const closed = { ...PASSWORD_ONLY, registration: false };
    expect(loginPage(closed, "login")).toEqual({ passwordForm: true, otherLink: false, registrationClosed: false });
    expect(loginPage(closed, "register").registrationClosed).toBe(true);
    expect(loginPage(PASSWORD_ONLY, "login")).toEqual({ passwordForm: true, otherLink: true, registrationClosed: false });
  });
});

describe("confirming an account's deletion", () => {
  const corp = { id: "corp", name: "Corp SSO" };
  const both = { providers: [corp, { id: "other", name: "Other" }], password_login: true, registration: true };

  it("a password account confirms with its password, even where only SSO signs in", () => {
    expect(deletionMethods({ sso_providers: [] }, both)).toEqual({ providers: [], password: true });
    expect(deletionMethods({}, { ...both, password_login: false })).toEqual({ providers: [], password: true });
  });

  it("an account SSO made signs in again at its own provider only", () => {
    expect(deletionMethods({ sso_providers: ["corp"] }, { ...both, password_login: false })).toEqual({
      providers: [corp],
      password: false,
    });
    // It may have a password too (linked by email, or set by a reset) where passwords sign in.
    expect(deletionMethods({ sso_providers: ["corp"] }, both)).toEqual({ providers: [corp], password: true });
  });

  it("a link to a provider the server no longer offers leaves the password", () => {
    expect(deletionMethods({ sso_providers: ["gone"] }, { ...both, password_login: false })).toEqual({
      providers: [],
      password: true,
    });
  });

  it("says why the provider's answer deleted nothing", () => {
    expect(ssoErrorMessage("SSO_REAUTH_MISMATCH")).toMatch(/someone other .* Nothing was deleted/);
    expect(ssoErrorMessage("SSO_REAUTH_STALE")).toMatch(/did not ask you to sign in again/);
  });
});
