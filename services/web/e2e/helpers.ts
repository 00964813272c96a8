import { expect, test as base, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const PASSWORD = "correct horse battery staple";

/**
 * The suite's first admin: global-setup names it in ADMIN_EMAILS, so auth promotes it when it
 * logs in. Against your own stack (PARLEY_E2E_URL), start it with ADMIN_EMAILS set to this.
 */
export const E2E_ADMIN_EMAIL = process.env.PARLEY_E2E_ADMIN_EMAIL ?? "admin@parley-e2e.com";

/** The single sign-on provider global-setup gives auth (OIDC_PROVIDERS). */
export const SSO_PROVIDER = { id: "corp", name: "Corp SSO" };
const SHOTS = join(__dirname, "..", "test-results", "screenshots");

/** Every test talks to the stack global-setup started (or PARLEY_E2E_URL). */
export const test = base.extend({
  baseURL: async ({}, provide) => {
    await provide(process.env.PARLEY_E2E_URL);
  },
});
export { expect };

export function uniqueEmail(name: string): string {
  return `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@parley-e2e.com`;
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

export async function register(page: Page, email: string) {
  await page.goto("/register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/chats$/);
  await expect(page.getByTestId("user-email")).toHaveText(email);
}

export async function logIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

export function composer(page: Page) {
  return page.getByLabel("Message", { exact: true });
}

export function assistantMessages(page: Page) {
  return page.locator('[data-testid="message"][data-role="assistant"]');
}

/** A reply's text as written, without the name of the model over it. */
export function replyContent(message: Locator): Promise<string> {
  return message.getByTestId("message-content").innerText();
}

export function userMessages(page: Page) {
  return page.locator('[data-testid="message"][data-role="user"]');
}

export function chatList(page: Page) {
  return page.getByRole("navigation", { name: "Chats" }).getByTestId("chat-item");
}

export async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

/** Direct API access for test data the UI would take minutes to make. */
export async function apiToken(request: APIRequestContext, email: string): Promise<string> {
  const response = await request.post("/auth/login", { form: { username: email, password: PASSWORD } });
  expect(response.status()).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function apiCreateChat(request: APIRequestContext, token: string, title?: string): Promise<string> {
  const response = await request.post("/api/chats", {
    headers: { Authorization: `Bearer ${token}` },
    data: title ? { title } : {},
  });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** One chat turn through the API; resolves when the reply's stream has ended. */
export async function apiTurn(request: APIRequestContext, token: string, chatId: string, content: string) {
  const headers = { Authorization: `Bearer ${token}` };
  let streamed = "";
  try {
    const response = await request.post(`/api/chats/${chatId}/messages`, { headers, data: { content } });
    expect(response.status()).toBe(200);
    streamed = await response.text();
  } catch (error) {
    // Traefik sometimes ends a POST's streamed response early (README: a known Traefik issue);
    // the reply goes on and is stored, which the check below waits for. Other failures stand.
    if (!(error instanceof Error) || !/socket hang up|ECONNRESET|aborted|terminated/i.test(error.message)) throw error;
  }
  if (streamed.includes("event: run.completed")) return;
  await expect
    .poll(
      async () => {
        const chat = await (await request.get(`/api/chats/${chatId}`, { headers })).json();
        const messages: { role: string; content: string; status: string }[] = chat.messages ?? [];
        const asked = messages.findLastIndex((m) => m.role === "user" && m.content === content);
        return chat.active_run_id == null && asked >= 0 ? (messages[asked + 1]?.status ?? "none") : "running";
      },
      { timeout: 30_000 },
    )
    .toBe("completed");
}

/** A message the test mailbox received (parley_testing.mailbox writes one JSON file each). */
export interface Mail {
  mail_from: string;
  rcpt_tos: string[];
  to: string;
  subject: string;
  /** The plain-text body, transfer encoding undone. */
  text: string;
  /** Seconds since the epoch. */
  received_at: number;
}

/** The folder of the mailbox global-setup started; null on a stack given by PARLEY_E2E_URL without one. */
export function mailboxDir(): string | null {
  return process.env.PARLEY_E2E_MAILBOX ?? null;
}

function mailsTo(email: string): Mail[] {
  const dir = mailboxDir();
  if (!dir) throw new Error("no mailbox: set PARLEY_E2E_MAILBOX to the folder of parley_testing.mailbox");
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json")).sort();
  } catch {
    return []; // nothing received yet: the mailbox makes the folder on start, but be patient
  }
  const wanted = email.toLowerCase();
  return names
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as Mail)
    .filter((mail) => mail.rcpt_tos.some((to) => to.toLowerCase() === wanted));
}

/**
 * The newest mail to `email` received after `since` (ms since the epoch, e.g. Date.now() taken
 * before the action that sends it); waits for it up to 20 s, since auth sends after answering.
 */
export async function latestMailTo(email: string, since = 0): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(
      () => {
        found = mailsTo(email)
          .filter((mail) => mail.received_at * 1000 >= since)
          .at(-1);
        return found?.subject ?? null;
      },
      { timeout: 20_000, message: `a mail to ${email}` },
    )
    .not.toBeNull();
  return found!;
}

/** The link in the newest mail to `email` (see latestMailTo). */
export async function linkFromMail(email: string, since = 0): Promise<string> {
  const mail = await latestMailTo(email, since);
  const link = mail.text.match(/https?:\/\/\S+/)?.[0];
  if (!link) throw new Error(`no link in the mail "${mail.subject}" to ${email}:\n${mail.text}`);
  return link;
}

/** Registers the ADMIN_EMAILS account unless it exists, then logs it in on `page` (at /chats). */
export async function logInAsAdmin(page: Page, request: APIRequestContext) {
  const registered = await request.post("/auth/register", { data: { email: E2E_ADMIN_EMAIL, password: PASSWORD } });
  // 400 REGISTER_USER_ALREADY_EXISTS: an earlier spec (or run, on your own stack) made it.
  expect([201, 400]).toContain(registered.status());
  await page.goto("/login");
  await logIn(page, E2E_ADMIN_EMAIL);
  await expect(page).toHaveURL(/\/chats$/);
}

/** Claims of an account at the test OpenID Provider (any password signs in). */
export interface OidcClaims {
  email: string;
  email_verified: boolean;
  name?: string;
  groups?: string[];
}

/** The provider's config file; null on a stack given by PARLEY_E2E_URL without one. */
export function oidcConfigPath(): string | null {
  return process.env.PARLEY_E2E_OIDC_CONFIG ?? null;
}

/** Adds (or changes) an account at the provider; it rereads the file at every look-up. */
export function setOidcAccount(login: string, claims: OidcClaims) {
  const path = oidcConfigPath();
  if (!path) throw new Error("no OpenID Provider: set PARLEY_E2E_OIDC_CONFIG to its config file");
  const config = JSON.parse(readFileSync(path, "utf8")) as { accounts: Record<string, OidcClaims> };
  config.accounts[login] = claims;
  // Atomically: the provider may read it at any moment.
  writeFileSync(`${path}.partial`, JSON.stringify(config, null, 2));
  renameSync(`${path}.partial`, path);
}

/** Signs in on node-oidc-provider's own login form (its development interactions). */
export async function signInAtProvider(page: Page, login: string) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: /sign-?in/i }).click();
}
