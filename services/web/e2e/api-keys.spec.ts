/**
 * API keys end to end: a user makes a key on /settings/keys, sees its secret once, a program
 * uses it (`GET /api/keys/current`, the route that tells a key's bearer which key it is; the
 * OpenAI-compatible /api/v1 takes keys the same way), the user revokes it and the key is
 * refused. An admin finds another user's key in the console and revokes it the same way.
 */
import type { APIRequestContext, Page } from "@playwright/test";

import { apiToken, expect, logInAsAdmin, register, screenshot, test, uniqueEmail } from "./helpers";

const KEY_SHAPE = /^pk-parley-[A-Za-z0-9_-]{40}$/;

/** What chat answers the bearer of this key about the key itself. */
function currentKey(request: APIRequestContext, key: string) {
  return request.get("/api/keys/current", { headers: { Authorization: `Bearer ${key}` } });
}

async function keyStatus(request: APIRequestContext, key: string): Promise<number> {
  return (await currentKey(request, key)).status();
}

async function userId(request: APIRequestContext, email: string): Promise<string> {
  const me = await request.get("/auth/users/me", { headers: { Authorization: `Bearer ${await apiToken(request, email)}` } });
  expect(me.status()).toBe(200);
  return ((await me.json()) as { id: string }).id;
}

/** Makes a key on /settings/keys and returns its secret, read from the dialog that shows it once. */
async function createKey(page: Page, name: string): Promise<string> {
  await page.goto("/settings");
  await page.getByRole("link", { name: "Manage API keys" }).click();
  await expect(page).toHaveURL(/\/settings\/keys$/);
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await page.getByLabel("Key name").fill(name);
  await page.getByLabel("Expires after").selectOption({ label: "30 days" });
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Your new API key" });
  await expect(dialog).toContainText("You will not see it again");
  const key = (await dialog.getByTestId("new-api-key").innerText()).trim();
  expect(key).toMatch(KEY_SHAPE);
  return key;
}

test("a user's key works until the user revokes it, and its secret is shown once", async ({ page, request }) => {
  test.setTimeout(120_000);
  const name = `script ${Date.now().toString(36)}`;
  const email = uniqueEmail("keys");
  await register(page, email);
  const key = await createKey(page, name);
  await screenshot(page, "api-key-created");
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  // Listed by its prefix only: the secret is nowhere on the page any more, nor after a reload.
  const row = page.getByTestId("api-key-row").filter({ hasText: name });
  await expect(row).toHaveAttribute("data-state", "active");
  await expect(row).toContainText(key.slice(0, 18));
  await expect(row).toContainText("Never"); // last used
  await page.reload();
  await expect(page.getByTestId("api-key-row")).toHaveCount(1);
  await expect(page.getByText(key)).toHaveCount(0);
  await expect(page.getByTestId("api-base-url")).toHaveText(new URL("/api/v1", page.url()).href);

  // A program with the key is this user, with this key; a key cannot manage keys.
  const used = await currentKey(request, key);
  expect(used.status()).toBe(200);
  expect(await used.json()).toMatchObject({ name, prefix: key.slice(0, 18), user_id: await userId(request, email) });
  const managed = await request.get("/api/keys", { headers: { Authorization: `Bearer ${key}` } });
  expect(managed.status()).toBe(403);
  // The OpenAI-compatible API takes it as a bearer token, listing the models this user may use.
  const models = await request.get("/api/v1/models", { headers: { Authorization: `Bearer ${key}` } });
  expect(models.status()).toBe(200);
  expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain("parley-stub");

  // Revoked after a confirmation: the list says so and the key is refused from now on.
  await row.getByRole("button", { name: `Revoke key ${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toHaveAttribute("data-state", "revoked");
  await expect(row.getByRole("button", { name: `Revoke key ${name}` })).toHaveCount(0);
  const refused = await currentKey(request, key);
  expect(refused.status()).toBe(401);
  expect(JSON.stringify(await refused.json())).toContain("invalid_api_key");
});

test("an admin finds a user's key by the user's id and revokes it", async ({ browser, page, request }) => {
  test.setTimeout(180_000);
  const context = await browser.newContext();
  const owner = await context.newPage();
  const email = uniqueEmail("keyowner");
  await register(owner, email);
  const name = `owner key ${Date.now().toString(36)}`;
  const key = await createKey(owner, name);
  expect(await keyStatus(request, key)).toBe(200);
  const ownerId = await userId(request, email);

  await logInAsAdmin(page, request);
  await page.goto("/admin/keys");
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await page.getByLabel("Owner's user id").fill(ownerId);
  await page.getByRole("button", { name: "Filter" }).click();
  const rows = page.getByTestId("admin-key-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(name);
  await expect(rows.first()).toContainText(ownerId);
  await expect(rows.first()).toContainText(key.slice(0, 18));
  await screenshot(page, "admin-api-keys");

  await rows.first().getByRole("button", { name: `Revoke key ${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(rows.first()).toHaveAttribute("data-state", "revoked");
  expect(await keyStatus(request, key)).toBe(401);

  // The owner sees it revoked too.
  await owner.keyboard.press("Escape");
  await owner.reload();
  await expect(owner.getByTestId("api-key-row").filter({ hasText: name })).toHaveAttribute("data-state", "revoked");
  await context.close();
});
