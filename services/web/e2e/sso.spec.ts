/**
 * Single sign-on through a real OpenID Provider (node-oidc-provider, started by global-setup and
 * named to auth in OIDC_PROVIDERS): the login page's button leads to the provider's own login
 * form, and the user lands in Parley with the groups of the provider's `groups` claim. A refused
 * sign-in comes back to the login page with the reason in words. An account SSO made (no password
 * its owner knows) deletes itself by signing in again at the provider.
 */
import type { Page } from "@playwright/test";

import {
  assistantMessages,
  chatList,
  expect,
  oidcConfigPath,
  screenshot,
  send,
  setOidcAccount,
  signInAtProvider,
  SSO_PROVIDER,
  test,
} from "./helpers";

test.skip(!oidcConfigPath(), "no OpenID Provider: set PARLEY_E2E_OIDC_CONFIG (global-setup starts one)");

function unique(name: string): string {
  return `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

test("sign in through the provider's login form and land in Parley with the claim's groups", async ({ page }) => {
  const login = unique("sso-user");
  const email = `${login}@parley-e2e.com`;
  const team = unique("Research Lab");
  setOidcAccount(login, { email, email_verified: true, name: "Sso User", groups: [team] });

  await page.goto("/login");
  const button = page.getByRole("link", { name: `Continue with ${SSO_PROVIDER.name}` });
  await expect(button).toBeVisible();
  // The password form stays beside it: this server allows both.
  await expect(page.getByLabel("Password")).toBeVisible();
  await screenshot(page, "50-login-with-sso");
  await button.click();

  // The provider's own page, on its own origin.
  await expect(page.locator('input[name="login"]')).toBeVisible();
  expect(new URL(page.url()).host).not.toBe(new URL(process.env.PARLEY_E2E_URL!).host);
  await signInAtProvider(page, login);

  await expect(page).toHaveURL(/\/chats$/);
  await expect(page.getByTestId("user-email")).toHaveText(email);
  await page.goto("/settings");
  // The claim's value, slugified into the group's id (auth creates the group on first sight).
  await expect(page.getByTestId("settings-groups")).toHaveText(team.toLowerCase().replace(/ /g, "-"));
  await expect(page.getByTestId("settings-role")).toHaveText("Member");
  await screenshot(page, "51-settings-sso-groups");
});

test("a provider that has not confirmed the email is refused with a clear message", async ({ page }) => {
  const login = unique("sso-unverified");
  setOidcAccount(login, { email: `${login}@parley-e2e.com`, email_verified: false, groups: [] });

  await page.goto("/login?next=/settings");
  await page.getByRole("link", { name: `Continue with ${SSO_PROVIDER.name}` }).click();
  await signInAtProvider(page, login);

  await expect(page).toHaveURL(/\/login\?sso_error=SSO_EMAIL_NOT_VERIFIED/);
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(/has not confirmed your email address/);
  // Nobody is signed in.
  await page.goto("/chats");
  await expect(page).toHaveURL(/\/login/);
});

async function signInWithSso(page: Page, login: string) {
  await page.goto("/login");
  await page.getByRole("link", { name: `Continue with ${SSO_PROVIDER.name}` }).click();
  await signInAtProvider(page, login);
  await expect(page).toHaveURL(/\/chats$/);
}

async function deleteWithSso(page: Page, login: string) {
  await page.goto("/settings");
  await page.getByRole("button", { name: "Delete account…" }).click();
  const dialog = page.getByRole("alertdialog");
  await dialog.getByRole("button", { name: `Sign in with ${SSO_PROVIDER.name} to delete` }).click();
  // The provider asks for the login again, though its session of this person is still open.
  await expect(page.locator('input[name="login"]')).toBeVisible();
  await signInAtProvider(page, login);
}

test("an SSO account deletes itself by signing in again at the provider; someone else cannot", async ({ page }) => {
  const login = unique("sso-delete");
  const stranger = unique("sso-stranger");
  const email = `${login}@parley-e2e.com`;
  setOidcAccount(login, { email, email_verified: true, name: "Sso Delete", groups: [] });
  setOidcAccount(stranger, { email: `${stranger}@parley-e2e.com`, email_verified: true, groups: [] });
  await signInWithSso(page, login);
  await send(page, "Remember this chat [stub:words=3]");
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");

  // Someone else signs in at the provider's form: nothing is deleted, the owner is still here.
  await deleteWithSso(page, stranger);
  await expect(page).toHaveURL(/\/settings\?sso_error=SSO_REAUTH_MISMATCH/);
  await expect(page.getByTestId("settings-email")).toHaveText(email);
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(/someone other than this account's owner/);

  await page.getByRole("button", { name: "Delete account…" }).click();
  const dialog = page.getByRole("alertdialog");
  // This server also allows passwords: the field stays for an account that has set one.
  await expect(dialog.getByLabel("Current password")).toBeVisible();
  await screenshot(page, "52-delete-account-sso");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await deleteWithSso(page, login);
  await expect(page).toHaveURL(/\/login\?deleted=account/);
  await expect(page.getByText("Your account and its chats have been deleted.")).toBeVisible();
  await page.goto("/chats");
  await expect(page).toHaveURL(/\/login/);

  // Signing in again (the provider still has its session: no form) makes a new, empty
  // account: nothing of the old one's chats is left.
  await page.goto("/login");
  await page.getByRole("link", { name: `Continue with ${SSO_PROVIDER.name}` }).click();
  await expect(page).toHaveURL(/\/chats$/);
  await expect(chatList(page)).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Chats" }).getByText("No chats yet.")).toBeVisible();
});
