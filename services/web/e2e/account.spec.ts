import type { Browser, Page } from "@playwright/test";

import {
  assistantMessages,
  chatList,
  expect,
  linkFromMail,
  logIn,
  mailboxDir,
  PASSWORD,
  register,
  screenshot,
  send,
  test,
  uniqueEmail,
} from "./helpers";

const NEW_PASSWORD = "a brand new passphrase for parley";

// Every test here follows a mailed link or changes the account: they need the suite's mailbox.
test.skip(!mailboxDir(), "no mailbox: run with the suite's own stack, or set PARLEY_E2E_MAILBOX");

async function openSettings(page: Page) {
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
}

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** The same account signed in from a second browser (its own cookies). */
async function secondBrowser(browser: Browser, email: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/login");
  await logIn(page, email);
  await expect(page).toHaveURL(/\/chats$/);
  return { context, page };
}

function loginAlert(page: Page) {
  return page.getByRole("form", { name: "Log in" }).getByRole("alert");
}

test("forgot password: the mailed link sets a new one, the old one stops working", async ({ page }) => {
  const email = uniqueEmail("forgot");
  await register(page, email);
  await logOut(page);

  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(email);
  await screenshot(page, "10-forgot-password");
  const asked = Date.now();
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();

  const link = await linkFromMail(email, asked);
  expect(link).toContain("/reset-password?token=");
  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat the new password").fill(`${NEW_PASSWORD}!`);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("The two passwords are not the same")).toBeVisible();
  await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await screenshot(page, "11-reset-password");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "Password changed" })).toBeVisible();

  // The link works once.
  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill(`${NEW_PASSWORD} again`);
  await page.getByLabel("Repeat the new password").fill(`${NEW_PASSWORD} again`);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Send me a new link" })).toHaveAttribute("href", "/forgot-password");

  await page.goto("/login");
  await logIn(page, email, PASSWORD);
  await expect(loginAlert(page)).toHaveText("Wrong email or password");
  await logIn(page, email, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/chats$/);
});

test("verify email: the mailed link confirms it and settings says so", async ({ page }) => {
  const email = uniqueEmail("verify");
  await register(page, email);
  await openSettings(page);
  await expect(page.getByTestId("settings-email")).toHaveText(email);
  await expect(page.getByTestId("verification-state")).toHaveText("Not confirmed");
  await screenshot(page, "12-settings");

  const asked = Date.now();
  await page.getByRole("button", { name: "Resend confirmation mail" }).click();
  await expect(page.getByText(`A new confirmation link is on its way to ${email}.`)).toBeVisible();
  const link = await linkFromMail(email, asked);
  expect(link).toContain("/verify?token=");
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Email confirmed" })).toBeVisible();
  await screenshot(page, "13-verified");

  await page.goto("/settings");
  await expect(page.getByTestId("verification-state")).toHaveText("Confirmed");
  await expect(page.getByRole("button", { name: "Resend confirmation mail" })).toHaveCount(0);
  // The same link a second time.
  await page.goto(link);
  await expect(page.getByRole("heading", { name: /Already confirmed|This link does not work/ })).toBeVisible();
});

test("change password: this browser goes on, the old password fails, other sessions end", async ({ page, browser }) => {
  const email = uniqueEmail("newpass");
  await register(page, email);
  const other = await secondBrowser(browser, email);

  await openSettings(page);
  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill("not my password at all");
  await form.getByLabel("New password").fill(NEW_PASSWORD);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByRole("alert")).toHaveText("Your current password is not right");
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("Your password has been changed.")).toBeVisible();

  // This browser has a new token: chatting works.
  await page.getByRole("link", { name: "Back to chats" }).click();
  await send(page, "Still here after the change? [stub:words=4]");
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");

  // The other browser's next call to the API lands on the login page.
  await other.page.getByRole("link", { name: "Settings" }).click();
  await expect(other.page).toHaveURL(/\/login/);
  await other.context.close();

  await logOut(page);
  await logIn(page, email, PASSWORD);
  await expect(loginAlert(page)).toHaveText("Wrong email or password");
  await logIn(page, email, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/chats$/);
});

test("change email: confirmed through the link sent to the new address, then used to log in", async ({ page }) => {
  const email = uniqueEmail("oldmail");
  const newEmail = uniqueEmail("newmail");
  await register(page, email);
  await openSettings(page);

  const form = page.getByRole("form", { name: "Change email" });
  await form.getByLabel("New email").fill(newEmail);
  await form.getByLabel("Current password").fill(PASSWORD);
  const asked = Date.now();
  await form.getByRole("button", { name: "Change email" }).click();
  await expect(form.getByText(`We sent a link to ${newEmail}.`)).toBeVisible();
  await expect(page.getByTestId("pending-email")).toContainText(newEmail);
  // Nothing changes before the link is opened.
  await expect(page.getByTestId("settings-email")).toHaveText(email);

  const link = await linkFromMail(newEmail, asked);
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Email confirmed" })).toBeVisible();
  await page.goto("/settings");
  await expect(page.getByTestId("settings-email")).toHaveText(newEmail);
  await expect(page.getByTestId("pending-email")).toHaveCount(0);

  await page.goto("/chats");
  await logOut(page);
  await logIn(page, email);
  await expect(loginAlert(page)).toHaveText("Wrong email or password");
  await logIn(page, newEmail);
  await expect(page).toHaveURL(/\/chats$/);
  await expect(page.getByTestId("user-email")).toHaveText(newEmail);
});

test("log out everywhere ends this session and the other browser's", async ({ page, browser }) => {
  const email = uniqueEmail("everywhere");
  await register(page, email);
  const other = await secondBrowser(browser, email);

  await openSettings(page);
  await page.getByRole("button", { name: "Log out everywhere" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Log out everywhere" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText("You have been logged out on every device.")).toBeVisible();
  // A reload finds no session: the cookie is gone.
  await page.goto("/chats");
  await expect(page).toHaveURL(/\/login\?next=/);

  await other.page.getByRole("link", { name: "Settings" }).click();
  await expect(other.page).toHaveURL(/\/login/);
  await other.context.close();
});

test("delete account: the password is asked, then login fails and the chats are gone", async ({ page }) => {
  const email = uniqueEmail("delete");
  await register(page, email);
  await send(page, "Remember this chat [stub:words=3]");
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");
  await expect(chatList(page)).toHaveCount(1);

  await openSettings(page);
  await page.getByRole("button", { name: "Delete account…" }).click();
  const dialog = page.getByRole("alertdialog");
  await dialog.getByLabel("Current password").fill("wrong password for this");
  await dialog.getByRole("button", { name: "Delete for good" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("Your current password is not right");
  await dialog.getByLabel("Current password").fill(PASSWORD);
  await screenshot(page, "14-delete-account");
  await dialog.getByRole("button", { name: "Delete for good" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText("Your account and its chats have been deleted.")).toBeVisible();

  await logIn(page, email);
  await expect(loginAlert(page)).toHaveText("Wrong email or password");

  // The same email makes a new, empty account: nothing of the old one's chats is left.
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/chats$/);
  await expect(page.getByRole("navigation", { name: "Chats" }).getByText("No chats yet.")).toBeVisible();
});
