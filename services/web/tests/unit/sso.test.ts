import { describe, expect, it } from "vitest";

import { fetchLoginOptions, loginPage, parseLoginOptions, PASSWORD_ONLY, ssoErrorMessage, ssoLoginHref } from "@/lib/sso";

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
