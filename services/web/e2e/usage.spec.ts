/**
 * Usage governance end to end: a chat turn shows on the user's /usage page; a user with nothing
 * left of a budget is told so over the composer, and one whose budget is used up is refused in
 * the composer, in words, with the reset time, keeping what they typed; the admin sets a budget
 * on /admin/usage by the user's email, sees the user's row in the usage table and downloads it
 * as CSV.
 */
import { readFileSync } from "node:fs";

import type { APIRequestContext } from "@playwright/test";

import {
  apiCreateChat,
  apiToken,
  apiTurn,
  assistantMessages,
  composer,
  E2E_ADMIN_EMAIL,
  expect,
  logInAsAdmin,
  PASSWORD,
  register,
  screenshot,
  send,
  test,
  uniqueEmail,
} from "./helpers";

function bearer(token: string) {
  return { Authorization: `Bearer ${token}` };
}

/** A token of the ADMIN_EMAILS account (auth promotes it at this login), registering it if need be. */
async function adminToken(request: APIRequestContext): Promise<string> {
  const registered = await request.post("/auth/register", { data: { email: E2E_ADMIN_EMAIL, password: PASSWORD } });
  expect([201, 400]).toContain(registered.status());
  return apiToken(request, E2E_ADMIN_EMAIL);
}

async function userId(request: APIRequestContext, token: string): Promise<string> {
  const me = await request.get("/auth/users/me", { headers: bearer(token) });
  expect(me.status()).toBe(200);
  return ((await me.json()) as { id: string }).id;
}

/** The user's tokens today as chat counts them (a reply is counted when its final save is made). */
async function tokensToday(request: APIRequestContext, token: string): Promise<number> {
  const usage = await request.get("/api/usage?days=1", { headers: bearer(token) });
  expect(usage.status()).toBe(200);
  return ((await usage.json()) as { today: { tokens: number } }).today.tokens;
}

async function setUserBudget(request: APIRequestContext, admin: string, user: string, maxTokens: number) {
  const put = await request.put("/api/admin/budgets", {
    headers: bearer(admin),
    data: { scope: "user", scope_id: user, period: "day", max_tokens: maxTokens },
  });
  expect(put.status(), await put.text()).toBe(200);
}

test("after a chat, /usage shows today's tokens, the day's bar, the model and the limits", async ({ page }) => {
  const email = uniqueEmail("usage");
  await register(page, email);
  await send(page, "How many tokens is this?");
  await expect(assistantMessages(page)).toHaveCount(1);
  await expect(assistantMessages(page).first()).toHaveAttribute("data-status", "completed", { timeout: 30_000 });

  await page.getByRole("link", { name: "Usage" }).click();
  await expect(page).toHaveURL(/\/usage$/);
  await expect(page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();
  // The reply is counted with its final save, which may come a moment after the page loads.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("usage-today-tokens")).not.toHaveText("0", { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  const tokens = Number((await page.getByTestId("usage-today-tokens").innerText()).replaceAll(/\D/g, ""));
  expect(tokens).toBeGreaterThan(0);
  await expect(page.getByTestId("usage-today-calls")).not.toHaveText("0");

  // 30 bars, the last (today) as high as today's tokens; the model that answered is listed.
  const bars = page.getByTestId("usage-chart").locator("rect");
  await expect(bars).toHaveCount(30);
  await expect(bars.last()).toHaveAttribute("data-tokens", String(tokens));
  await expect(page.getByTestId("usage-model-row").filter({ hasText: "Parley stub" })).toHaveCount(1);
  await expect(page.getByText("No budget applies to you.")).toBeVisible();
  await expect(page.getByTestId("usage-limit-in-flight")).toHaveText("4 at a time");
  await expect(page.getByTestId("usage-limit-per-minute")).toHaveText("1,000 a minute"); // the suite's stack (global-setup)
  await screenshot(page, "usage-page");
});

test("a user over budget is told so in the composer, with the reset time, and keeps the text", async ({ page, request }) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("budget");
  await register(page, email);
  const token = await apiToken(request, email);
  const user = await userId(request, token);
  const admin = await adminToken(request);

  // Some use today, so that a budget the size of one reply's worst case is used up.
  const chat = await apiCreateChat(request, token);
  await apiTurn(request, token, chat, "Spend a few tokens");
  await expect.poll(() => tokensToday(request, token), { timeout: 30_000 }).toBeGreaterThan(0);
  // What one reply may use at most, as chat's refusal of a 1-token budget says.
  await setUserBudget(request, admin, user, 1);
  const probe = await request.post(`/api/chats/${chat}/messages`, { headers: bearer(token), data: { content: "probe" } });
  expect(probe.status()).toBe(429);
  expect(probe.headers()["retry-after"]).toBeTruthy();
  const refused = (await probe.json()) as { detail: { code: string; limit: { needed: number } } };
  expect(refused.detail.code).toBe("BUDGET_EXCEEDED");
  // Nothing of that budget is left: the composer says so before anything is sent.
  await page.goto("/chats");
  await expect(page.getByTestId("usage-low")).toContainText(/No tokens left today, resets at .+\./);
  await screenshot(page, "usage-low");

  await setUserBudget(request, admin, user, refused.detail.limit.needed);
  await page.reload();
  await expect(page.getByText("How can I help today?")).toBeVisible();
  const text = "Please summarise the meeting notes";
  await send(page, text);
  const alert = page.getByRole("alert").filter({ hasText: "Not sent: budget used up" });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText("budget");
  await expect(alert.getByTestId("usage-refusal-when")).toHaveText(/^Your budget resets at .+ \(in .+\)\.$/);
  // The text waits in the composer, to send once the budget allows; no half-sent message shows.
  await expect(composer(page)).toHaveValue(text);
  await expect(assistantMessages(page)).toHaveCount(0);
  await screenshot(page, "usage-refused");

  // /usage lists the budget: what is left is less than one reply may need.
  await page.getByRole("link", { name: "See your usage" }).click();
  const budget = page.getByTestId("usage-budget");
  await expect(budget).toHaveCount(1);
  await expect(budget).toContainText("Daily budget · Your own");
  await expect(budget).toContainText(`of ${refused.detail.limit.needed.toLocaleString("en-US")} tokens used`);
});

test("an admin sets a budget by email on /admin/usage, sees the user's usage and downloads it as CSV", async ({ browser, page, request }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const member = await context.newPage();
  const email = uniqueEmail("metered");
  await register(member, email);
  const token = await apiToken(request, email);
  const user = await userId(request, token);
  await apiTurn(request, token, await apiCreateChat(request, token), "Count me");
  await expect.poll(() => tokensToday(request, token), { timeout: 30_000 }).toBeGreaterThan(0);

  await logInAsAdmin(page, request);
  await page.goto("/admin/usage");
  await expect(page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();

  // A monthly budget for the user, given by email.
  await page.getByRole("button", { name: "Add budget" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Applies to").selectOption("user");
  await dialog.getByLabel("User's email or id").fill(email);
  await dialog.getByLabel("Period").selectOption("month");
  await dialog.getByLabel("Token limit").fill("1,000,000");
  await dialog.getByRole("button", { name: "Save budget" }).click();
  await expect(dialog).toHaveCount(0);
  const row = page.locator(`[data-testid="budget-row"][data-scope-id="${user}"][data-period="month"]`);
  await expect(row).toContainText(`User ${email}`);
  await expect(row).toContainText("1,000,000 tokens");

  // The usage table by user names the user by email; the CSV has their row.
  const usageRow = page.locator(`[data-testid="usage-row"][data-key="${user}"]`);
  await expect(usageRow).toContainText(email);
  await screenshot(page, "admin-usage");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^parley-usage-user-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path())!, "utf8");
  expect(csv.split(/\r?\n/)[0]).toBe("user,input_tokens,output_tokens,tokens,cost,calls,estimated_calls");
  expect(csv).toContain(`${user},`);

  // The member sees it on their page; the admin deletes it again.
  await member.goto("/usage");
  await expect(member.getByTestId("usage-budget")).toContainText("Monthly budget · Your own");
  await row.getByRole("button", { name: /^Delete budget/ }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete budget" }).click();
  await expect(row).toHaveCount(0);
  await context.close();
});
