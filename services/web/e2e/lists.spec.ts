import {
  apiCreateChat,
  apiToken,
  apiTurn,
  assistantMessages,
  chatList,
  composer,
  expect,
  register,
  screenshot,
  send,
  test,
  uniqueEmail,
} from "./helpers";

test("a failed reply shows its error in place with Retry, and the next message works", async ({ page }) => {
  await register(page, uniqueEmail("error"));
  await send(page, "Break please [stub:error500]");
  const failed = assistantMessages(page).last();
  await expect(failed).toHaveAttribute("data-status", "error");
  const alert = failed.getByRole("alert");
  await expect(alert).toBeVisible();
  // The provider's error text (which may hold secrets) is never shown, only our words.
  await expect(alert).not.toContainText("sk-");
  await screenshot(page, "08-run-error");
  await alert.getByRole("button", { name: "Retry" }).click();
  await expect(assistantMessages(page)).toHaveCount(2);
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "error");
  await send(page, "And now a normal question [stub:words=6]");
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");
  await expect(composer(page)).toBeEnabled();
});

test("the sidebar loads older chats page by page as it scrolls", async ({ page, request }) => {
  const email = uniqueEmail("many");
  await register(page, email);
  const token = await apiToken(request, email);
  for (let i = 1; i <= 44; i++) await apiCreateChat(request, token, `Chat number ${i}`);
  // The server orders by update time in whole seconds: the newest must be a second younger.
  await page.waitForTimeout(1100);
  await apiCreateChat(request, token, "Newest chat");
  await page.reload();
  // Newest first, 30 per page.
  await expect(chatList(page)).toHaveCount(30);
  await expect(chatList(page).first()).toHaveText("Newest chat");
  await chatList(page).last().scrollIntoViewIfNeeded();
  await expect(chatList(page)).toHaveCount(45);
  const titles = await chatList(page).allInnerTexts();
  expect(new Set(titles).size).toBe(45);
  expect(titles).toContain("Chat number 1");
});

test("a long conversation stays virtualized: only what is on screen is in the page", async ({ page, request }) => {
  const email = uniqueEmail("long");
  await register(page, email);
  const token = await apiToken(request, email);
  const chatId = await apiCreateChat(request, token, "Long chat");
  const turns = 60;
  for (let i = 1; i <= turns; i++) await apiTurn(request, token, chatId, `Question ${i} [stub:words=15]`);
  await page.goto(`/chats/${chatId}`);
  // Opens at the end of the conversation.
  await expect(page.getByText(`Question ${turns} [stub:words=15]`)).toBeVisible();
  const rendered = await page.getByTestId("message").count();
  expect(rendered).toBeGreaterThan(2);
  expect(rendered).toBeLessThan(40);
  await screenshot(page, "09-long-chat");
  // Scrolling to the top brings the first question into the page.
  const log = page.getByRole("log", { name: "Conversation" });
  for (let i = 0; i < 40 && !(await page.getByText("Question 1 [stub:words=15]").isVisible()); i++) {
    await log.evaluate((el) => el.scrollBy(0, -2000));
    await page.waitForTimeout(50);
  }
  await expect(page.getByText("Question 1 [stub:words=15]", { exact: true })).toBeVisible();
  expect(await page.getByTestId("message").count()).toBeLessThan(40);
});
