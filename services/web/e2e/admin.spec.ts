/**
 * The admin console end to end: the ADMIN_EMAILS account (promoted by auth when it logs in)
 * makes a group, adds a member, adds a model and restricts it to the group; the member (in a
 * second browser) then sees the model in the picker and another member does not, nor gets the
 * console. Deactivating the member ends their open chat page within the promised minute.
 */
import type { Browser, Page } from "@playwright/test";

import {
  apiToken,
  E2E_ADMIN_EMAIL,
  expect,
  logIn,
  logInAsAdmin,
  register,
  screenshot,
  send,
  test,
  uniqueEmail,
} from "./helpers";

/** How long auth's changes may take to reach chat: the contract's promise. */
const PROMISED_MS = 60_000;

async function memberPage(browser: Browser, name: string): Promise<{ page: Page; email: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = uniqueEmail(name);
  await register(page, email);
  return { page, email };
}

/** The names in the chat page's model picker (the menu is closed again afterwards). */
async function pickerModels(page: Page): Promise<string[]> {
  await page.getByTestId("model-picker").click();
  const names = await page.getByRole("menuitemradio").allInnerTexts();
  await page.keyboard.press("Escape");
  return names.map((name) => name.replace(/Default$/, "").trim());
}

async function openSection(page: Page, name: string) {
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
}

test("an admin groups a member and grants the group a model; deactivation ends the member's session", async ({
  browser,
  page,
  request,
}) => {
  test.setTimeout(300_000);
  const tag = Date.now().toString(36);
  const groupName = `Team ${tag}`;
  const groupId = `team-${tag}`;
  const modelId = `team-model-${tag}`;
  const modelName = `Team model ${tag}`;

  const member = await memberPage(browser, "member");
  const outsider = await memberPage(browser, "outsider");

  // The admin has the console link (members do not) and the console.
  await logInAsAdmin(page, request);
  await page.getByRole("link", { name: "Admin console" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();

  // A group, its id made from its name.
  await openSection(page, "Groups");
  await page.getByLabel("Group name").fill(groupName);
  await expect(page.getByLabel("Group id")).toHaveValue(groupId);
  await page.getByRole("button", { name: "Create group" }).click();
  await page.getByRole("link", { name: groupName }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/groups/${groupId}$`));

  // The member, found by email.
  await page.getByLabel("Find a user to add by email").fill(member.email.slice(0, 12));
  await page.getByRole("button", { name: `Add ${member.email}` }).click();
  await expect(page.getByRole("list", { name: "Members" }).getByTestId("member-row")).toHaveCount(1);
  await expect(page.getByRole("list", { name: "Members" })).toContainText(member.email);

  // A model on the stack's stub provider, then restricted to the group from the group's page.
  await openSection(page, "Models");
  await page.getByRole("button", { name: "Add model" }).click();
  const form = page.getByRole("form", { name: "Add model" });
  await form.getByLabel("Model id").fill(modelId);
  await form.getByLabel("Provider").selectOption("stub");
  await form.getByLabel("Display name").fill(modelName);
  await form.getByLabel("Context window (tokens)").fill("32768");
  await form.getByLabel("Longest reply (tokens)").fill("1024");
  await form.getByRole("button", { name: "Add model" }).click();
  await expect(page.locator(`[data-testid="model-row"][data-model="${modelId}"]`)).toContainText("Everyone");
  await page.goto(`/admin/groups/${groupId}`);
  const row = page.locator(`[data-testid="group-model"][data-model="${modelId}"]`);
  await row.getByRole("button", { name: `Restrict to ${groupName}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Restrict" }).click();
  await expect(row.getByRole("switch", { name: `Allow ${modelName} for ${groupName}` })).toBeChecked();
  await screenshot(page, "40-admin-group");

  // The member's picker offers it once chat has the new groups; the outsider's never does.
  await expect(async () => {
    await member.page.reload();
    expect(await pickerModels(member.page)).toContain(modelName);
  }).toPass({ timeout: PROMISED_MS });
  await outsider.page.reload();
  expect(await pickerModels(outsider.page)).not.toContain(modelName);
  await member.page.goto("/settings");
  await expect(member.page.getByTestId("settings-groups")).toHaveText(groupId);
  await expect(member.page.getByTestId("settings-role")).toHaveText("Member");

  // A member gets no console: no link to it, and "not allowed" at its address.
  await expect(outsider.page.getByRole("link", { name: "Admin console" })).toHaveCount(0);
  await outsider.page.goto("/admin/users");
  await expect(outsider.page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(outsider.page.getByRole("navigation", { name: "Admin" })).toHaveCount(0);

  // The member has a chat open; a token of theirs from the API shows when chat learns.
  await member.page.goto("/chats");
  await send(member.page, "Hello before the change [stub:words=4]");
  await expect(member.page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
  const memberToken = await apiToken(request, member.email);

  // Deactivate the member from the users list.
  await openSection(page, "Users");
  await page.getByLabel("Search by email").fill(member.email);
  await expect(page.getByTestId("user-row")).toHaveCount(1);
  const userRow = page.locator(`[data-testid="user-row"][data-email="${member.email}"]`);
  await userRow.getByRole("button", { name: `Actions for ${member.email}` }).click();
  await page.getByRole("menuitem", { name: "Deactivate…" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Deactivate" }).click();
  const deactivatedAt = Date.now();
  await expect(userRow.getByText("Deactivated")).toBeVisible();
  await screenshot(page, "41-admin-users");

  // Chat refuses the member's tokens within the promise...
  await expect
    .poll(
      async () => (await request.get("/api/chats", { headers: { Authorization: `Bearer ${memberToken}` } })).status(),
      { timeout: PROMISED_MS, intervals: [500] },
    )
    .toBe(401);
  // ...so the open chat page's next action fails and lands on the login page, saying why (or,
  // if the page's own token refresh came first, that the session has ended).
  if (!member.page.url().includes("/login")) await send(member.page, "Am I still here?");
  await expect(member.page).toHaveURL(/\/login/, { timeout: Math.max(1_000, deactivatedAt + PROMISED_MS - Date.now()) });
  await expect(member.page.getByRole("main").getByRole("alert")).toHaveText(/deactivated|session has ended/);
  await screenshot(member.page, "42-deactivated-member");

  // And they cannot log in again.
  await logIn(member.page, member.email);
  await expect(member.page.getByRole("main").getByRole("alert")).toBeVisible();
  await expect(member.page).toHaveURL(/\/login/);
});

test("registration policy, invites, a provider, and the audit log that records them", async ({ page, request }) => {
  test.setTimeout(180_000);
  const tag = Date.now().toString(36);
  const providerId = `extra-${tag}`;
  await logInAsAdmin(page, request);
  await page.goto("/admin/registration");

  // The policy: "domains" needs a domain; saved, it stays after a reload. Then back to open.
  const policy = page.getByRole("form", { name: "Registration policy" });
  await policy.getByRole("radio", { name: /Domains/ }).check();
  await policy.getByLabel("Allowed domains").fill("");
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByRole("alert")).toHaveText(/at least one domain/);
  await policy.getByLabel("Allowed domains").fill("Parley-E2E.com\nlab.parley-e2e.com");
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByText("Registration policy saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("radio", { name: /Domains/ })).toBeChecked();
  await expect(page.getByLabel("Allowed domains")).toHaveValue("parley-e2e.com\nlab.parley-e2e.com");
  await page.getByRole("radio", { name: /Open/ }).check();
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Registration policy saved.")).toBeVisible();

  // An invite: its code shown once, then listed without it, then revoked.
  const note = `for ${tag}`;
  await page.getByLabel("Note").fill(note);
  await page.getByRole("button", { name: "Create invite" }).click();
  await expect(page.getByTestId("invite-code")).not.toBeEmpty();
  const inviteRow = page.getByTestId("invite-row").filter({ hasText: note });
  await expect(inviteRow).toContainText("0 / 1");
  await screenshot(page, "43-admin-registration");
  await page.getByRole("button", { name: `Revoke invite ${note}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expect(inviteRow).toHaveCount(0);

  // A provider made and deleted through chat's catalog API.
  await page.goto("/admin/models");
  await page.getByRole("button", { name: "Add provider" }).click();
  const form = page.getByRole("form", { name: "Add provider" });
  await form.getByLabel("Provider id").fill(providerId);
  await form.getByLabel("Base URL").fill("http://127.0.0.1:9/v1");
  await form.getByLabel("API key").selectOption("none");
  await form.getByRole("button", { name: "Add provider" }).click();
  const providerRow = page.getByTestId("provider-row").filter({ hasText: providerId });
  await expect(providerRow).toContainText("Enabled");
  await page.getByRole("button", { name: `Delete ${providerId}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete provider" }).click();
  await expect(providerRow).toHaveCount(0);

  // The audit log has all of it: auth's own events, and chat's, forwarded from its outbox.
  await page.goto("/admin/audit");
  await page.getByLabel("Kind").fill("registration.");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-kind", "registration.changed");
  await page.getByLabel("Kind").fill("invite.");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-kind", "invite.revoked");
  await page.getByLabel("Kind").fill("catalog.");
  await page.getByLabel("Target").fill(providerId);
  await expect(async () => {
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByTestId("audit-row")).toHaveCount(2, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-kind", "catalog.provider_deleted");
  // Chat knows the admin by id (its token names no email); auth's own events name the email.
  const me = await request.get("/auth/users/me", { headers: { Authorization: `Bearer ${await apiToken(request, E2E_ADMIN_EMAIL)}` } });
  const adminId = ((await me.json()) as { id: string }).id;
  await expect(page.getByTestId("audit-row").last()).toContainText(new RegExp(`${E2E_ADMIN_EMAIL}|${adminId}`));
  await screenshot(page, "44-admin-audit");
});
