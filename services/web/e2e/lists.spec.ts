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
  userMessages,
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

test("a conversation of several pages loads them all while scrolling up, and a new message still lands at the bottom", async ({
  page,
  request,
}) => {
  // 120 turns through the API: the server sends 50 at a time, so three pages.
  test.setTimeout(240_000);
  const email = uniqueEmail("paged");
  await register(page, email);
  const token = await apiToken(request, email);
  const chatId = await apiCreateChat(request, token, "Paged chat");
  const turns = 120;
  const question = (n: number) => `Question ${n} [stub:words=3]`;
  for (let i = 1; i <= turns; i++) await apiTurn(request, token, chatId, question(i));
  // The first older page fails once (a 4xx is not retried by itself), the retry is held until
  // the test lets it through: the error, the indicator and the prepend are each seen.
  const olderPages: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(
    (url) => url.pathname === `/api/chats/${chatId}` && url.searchParams.has("before"),
    async (route) => {
      olderPages.push(route.request().url());
      if (olderPages.length === 1) return route.fulfill({ status: 422, json: { detail: "invalid cursor" } });
      await held;
      return route.continue();
    },
  );
  await page.goto(`/chats/${chatId}`);
  await expect(page.getByText(question(turns), { exact: true })).toBeVisible();
  expect(olderPages).toEqual([]);

  const log = page.getByRole("log", { name: "Conversation" });
  const oldestLoaded = page.getByText(question(71), { exact: true });
  for (let i = 0; i < 40 && !(await oldestLoaded.isVisible()); i++) {
    await log.evaluate((el) => el.scrollBy(0, -2000));
    await page.waitForTimeout(50);
  }
  await log.evaluate((el) => (el.scrollTop = 0));
  const failed = log.getByRole("alert").filter({ hasText: "Earlier messages could not be loaded" });
  await expect(failed).toBeVisible();
  await failed.getByRole("button", { name: "Retry" }).click();
  await expect(log.getByRole("status")).toHaveText("Loading earlier messages…");
  await expect(failed).toHaveCount(0);
  await screenshot(page, "10-loading-older-messages");
  // The page before arrives above the first message, and the view stays on it.
  const before = (await oldestLoaded.boundingBox())!;
  release();
  await expect(page.getByText(question(70), { exact: true })).toBeAttached();
  await page.waitForTimeout(300);
  const after = (await oldestLoaded.boundingBox())!;
  expect(Math.abs(after.y - before.y)).toBeLessThan(40);

  // Scrolling on up loads every page back to the first question, each page once.
  const first = page.getByText(question(1), { exact: true });
  for (let i = 0; i < 120 && !(await first.isVisible()); i++) {
    await log.evaluate((el) => el.scrollBy(0, -2000));
    await page.waitForTimeout(50);
  }
  await expect(first).toBeVisible();
  // The failed one, its retry, and the first page: each page read once.
  expect(olderPages).toHaveLength(3);
  expect(await page.getByTestId("message").count()).toBeLessThan(40);
  // Nothing missing and nothing twice on the way back down.
  const seen: string[] = [];
  for (let i = 0; i < 200; i++) {
    const texts = await userMessages(page).allInnerTexts();
    expect(new Set(texts).size).toBe(texts.length);
    for (const text of texts) if (!seen.includes(text)) seen.push(text);
    const atEnd = await log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 2);
    if (atEnd) break;
    await log.evaluate((el) => el.scrollBy(0, 600));
    await page.waitForTimeout(30);
  }
  expect(seen).toEqual(Array.from({ length: turns }, (_, i) => question(i + 1)));

  // Back at the top, a new message goes at the end, and the view follows it there.
  await log.evaluate((el) => (el.scrollTop = 0));
  await expect(first).toBeVisible();
  await send(page, "After all those pages [stub:words=4]");
  await expect(userMessages(page).last()).toHaveText("After all those pages [stub:words=4]");
  await expect(userMessages(page).last()).toBeVisible();
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");
  await expect(assistantMessages(page).last()).toBeVisible();
  await expect(first).not.toBeVisible();
});
