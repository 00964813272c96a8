import {
  assistantMessages,
  chatList,
  composer,
  expect,
  logIn,
  PASSWORD,
  register,
  replyContent,
  screenshot,
  send,
  test,
  uniqueEmail,
  userMessages,
} from "./helpers";

test("register, log in, stream a reply, reload, rename, delete, log out", async ({ page }) => {
  const email = uniqueEmail("journey");

  // An anonymous visitor of a chat page lands on /login.
  await page.goto("/chats");
  await expect(page).toHaveURL(/\/login\?next=%2Fchats$/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await screenshot(page, "01-login");

  // Registration checks the password like the server does, before sending anything.
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/register/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Use at least 12 characters")).toBeVisible();
  await page.getByLabel("Password").fill(`my ${email.split("@")[0]} password`);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("must not contain your email name")).toBeVisible();
  await page.getByLabel("Password").fill(PASSWORD);
  await screenshot(page, "02-register");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/chats$/);
  await expect(page.getByTestId("user-email")).toHaveText(email);

  // A second registration of that email is refused in words.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/register");
  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("form").getByRole("alert")).toHaveText("That email is already registered");

  // Log in: a wrong password is said in words, the right one opens the chats.
  await page.goto("/login");
  await logIn(page, email, "not the password at all");
  await expect(page.getByRole("form").getByRole("alert")).toHaveText("Wrong email or password");
  await logIn(page, email);
  await expect(page).toHaveURL(/\/chats$/);
  await expect(page.getByText("How can I help today?")).toBeVisible();
  // No token where scripts could read it: not in storage, not in a readable cookie (JWTs start "eyJ").
  const readable = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  expect(readable).not.toContain("eyJ");
  expect((await page.context().cookies()).find((c) => c.value.startsWith("eyJ") && !c.httpOnly)).toBeUndefined();

  // Empty messages cannot be sent; Shift+Enter makes a new line.
  await expect(page.getByRole("button", { name: "Send message" })).toBeDisabled();
  await composer(page).fill("   ");
  await composer(page).press("Enter");
  await expect(page.getByTestId("message")).toHaveCount(0);
  await composer(page).fill("first line");
  await composer(page).press("Shift+Enter");
  await composer(page).pressSequentially("second line");
  await expect(composer(page)).toHaveValue("first line\nsecond line");

  // Send with Enter; the reply streams in while the input is disabled.
  await composer(page).fill("Tell me about streams [stub:delay=80] [stub:words=80]");
  await composer(page).press("Enter");
  await expect(page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
  const chatUrl = page.url();
  const reply = assistantMessages(page).last();
  await expect(reply).toHaveAttribute("data-status", "streaming");
  await expect(composer(page)).toBeDisabled();
  await expect(page.getByRole("button", { name: "Stop generating" })).toBeVisible();
  await expect.poll(async () => (await reply.innerText()).length).toBeGreaterThan(5);
  const early = (await reply.innerText()).length;
  await expect.poll(async () => (await reply.innerText()).length).toBeGreaterThan(early + 10);
  await expect(reply).toHaveAttribute("data-status", "streaming");
  await expect(reply).toHaveAttribute("data-status", "completed", { timeout: 20_000 });
  await expect(composer(page)).toBeEnabled();
  await expect(composer(page)).toBeFocused();
  const finalText = await replyContent(reply);
  expect(finalText.split(/\s+/).length).toBeGreaterThanOrEqual(30);

  // The chat appears in the sidebar, active, and gets the server's title.
  const item = chatList(page).first();
  await expect(chatList(page)).toHaveCount(1);
  await expect(item.getByRole("link")).toHaveAttribute("aria-current", "page");
  await expect(item.getByRole("link")).not.toHaveText("New chat", { timeout: 25_000 });
  const serverTitle = await item.getByRole("link").innerText();
  await expect(page.getByTestId("chat-title")).toHaveText(serverTitle);
  await screenshot(page, "03-chat");

  // After a reload, the history is there.
  await page.reload();
  await expect(userMessages(page).last()).toHaveText("Tell me about streams [stub:delay=80] [stub:words=80]");
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");
  expect(await replyContent(assistantMessages(page).last())).toBe(finalText);

  // Rename in place.
  await item.getByRole("button", { name: /^Actions for/ }).click();
  await page.getByRole("menuitem", { name: "Rename" }).click();
  const titleInput = page.getByLabel("Chat title");
  await expect(titleInput).toHaveValue(serverTitle);
  await titleInput.fill("Streams, renamed");
  await titleInput.press("Enter");
  await expect(item.getByRole("link")).toHaveText("Streams, renamed");
  await expect(page.getByTestId("chat-title")).toHaveText("Streams, renamed");
  await page.reload();
  await expect(chatList(page).first().getByRole("link")).toHaveText("Streams, renamed");

  // Delete, after a confirmation.
  await chatList(page).first().getByRole("button", { name: /^Actions for/ }).click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Streams, renamed");
  await screenshot(page, "04-delete-confirmation");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(chatList(page)).toHaveCount(1);
  await chatList(page).first().getByRole("button", { name: /^Actions for/ }).click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(page).toHaveURL(/\/chats$/);
  await expect(chatList(page)).toHaveCount(0);
  await page.goto(chatUrl);
  await expect(page.getByText("This chat does not exist")).toBeVisible();

  // Log out: back to /login, and protected pages stay closed, even after a reload.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/chats");
  await expect(page).toHaveURL(/\/login\?next=%2Fchats$/);
});

test("a reply can be stopped: the partial text stays, marked as stopped", async ({ page }) => {
  const email = uniqueEmail("stop");
  await register(page, email);
  await send(page, "Tell me a very long story [stub:slow] [stub:words=300]");
  const reply = assistantMessages(page).last();
  await expect.poll(async () => (await reply.innerText()).length).toBeGreaterThan(10);
  await page.getByRole("button", { name: "Stop generating" }).click();
  await expect(reply).toHaveAttribute("data-status", "cancelled");
  await expect(reply.getByTestId("message-stopped")).toHaveText("Stopped");
  await expect(composer(page)).toBeEnabled();
  const partial = (await reply.innerText()).replace(/\s*Stopped$/, "");
  expect(partial.split(/\s+/).length).toBeLessThan(300);
  await screenshot(page, "05-stopped");

  // Stored as cancelled with its partial text.
  const chatUrl = page.url();
  await page.reload();
  const stored = assistantMessages(page).last();
  await expect(stored).toHaveAttribute("data-status", "cancelled");
  await expect(stored.getByTestId("message-stopped")).toBeVisible();

  // A protected page visited after logout comes back after logging in.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(chatUrl);
  await expect(page).toHaveURL(/\/login\?next=/);
  await logIn(page, email);
  await expect(page).toHaveURL(chatUrl);
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "cancelled");
});

test("a reload during a reply reattaches to the run and shows it to the end", async ({ page }) => {
  await register(page, uniqueEmail("reattach"));
  await send(page, "Count slowly [stub:delay=100] [stub:words=120]");
  const reply = assistantMessages(page).last();
  await expect.poll(async () => (await reply.innerText()).length).toBeGreaterThan(10);
  await page.reload();
  // The question and the reply so far come back, and the reply keeps streaming.
  await expect(userMessages(page).last()).toHaveText("Count slowly [stub:delay=100] [stub:words=120]");
  const resumed = assistantMessages(page).last();
  await expect(resumed).toHaveAttribute("data-status", "streaming");
  await expect(composer(page)).toBeDisabled();
  await expect(resumed).toHaveAttribute("data-status", "completed", { timeout: 40_000 });
  // The text; the model's name over it comes with run.started or the stored chat.
  const shown = await replyContent(resumed);
  await page.reload();
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");
  expect(await replyContent(assistantMessages(page).last())).toBe(shown);
});

test("a reply in flight shows in a second tab, which follows it to the end", async ({ page, context }) => {
  await register(page, uniqueEmail("tabs"));
  await send(page, "Count with me [stub:delay=100] [stub:words=120]");
  await expect.poll(async () => (await assistantMessages(page).last().innerText()).length).toBeGreaterThan(10);
  // A new tab knows nothing of the run: the chat service says which run is in flight.
  const other = await context.newPage();
  await other.goto(page.url());
  await expect(userMessages(other).last()).toHaveText("Count with me [stub:delay=100] [stub:words=120]");
  const followed = assistantMessages(other).last();
  await expect(followed).toHaveAttribute("data-status", "streaming");
  await expect(composer(other)).toBeDisabled();
  await expect(followed).toHaveAttribute("data-status", "completed", { timeout: 40_000 });
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");
  expect(await replyContent(followed)).toBe(await replyContent(assistantMessages(page).last()));
  await expect(assistantMessages(other)).toHaveCount(1);
});

test("two users in two browsers never see each other's chats", async ({ browser }) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  const a = await alice.newPage();
  const b = await bob.newPage();
  await register(a, uniqueEmail("alice"));
  await register(b, uniqueEmail("bob"));

  await send(a, "Alice's private plans [stub:words=8]");
  await expect(assistantMessages(a).last()).toHaveAttribute("data-status", "completed");
  const aliceChat = a.url();
  await send(b, "Bob's grocery list [stub:words=8]");
  await expect(assistantMessages(b).last()).toHaveAttribute("data-status", "completed");

  await a.reload();
  await b.reload();
  await expect(chatList(a)).toHaveCount(1);
  await expect(chatList(b)).toHaveCount(1);
  await expect(a.getByText("Bob's grocery list")).toHaveCount(0);
  await expect(b.getByText("Alice's private plans")).toHaveCount(0);
  await expect(userMessages(a)).toHaveText(["Alice's private plans [stub:words=8]"]);
  await expect(userMessages(b)).toHaveText(["Bob's grocery list [stub:words=8]"]);

  // Bob opening Alice's chat by its URL gets nothing of it.
  await b.goto(aliceChat);
  await expect(b.getByText("This chat does not exist")).toBeVisible();
  await expect(b.getByText("Alice's private plans")).toHaveCount(0);
  await alice.close();
  await bob.close();
});

test("works on a phone-sized screen", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await register(page, uniqueEmail("phone"));
  await send(page, "Show me some code [stub:words=12]");
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");
  // The chat list is behind the menu button on small screens.
  await expect(page.getByRole("navigation", { name: "Chats" })).toBeHidden();
  await screenshot(page, "06-phone-chat");
  await page.getByRole("button", { name: "Open chat list" }).click();
  await expect(chatList(page)).toHaveCount(1);
  await screenshot(page, "07-phone-menu");
  await page.getByRole("dialog").getByRole("link", { name: "New chat" }).first().click();
  await expect(page).toHaveURL(/\/chats$/);
  await context.close();
});
