/**
 * Models and rich replies. The stack's catalog has two models on the one stub (parley-dev writes
 * it: deploy/local/parley_devstack/catalog.py), and the stub names the model asked for, so each
 * reply shows which model wrote it. `[stub:markdown]` makes the stub answer with a heading, a
 * fenced python block, a table, a list and a link (services/llm-stub/parley_llm_stub/markdown.py).
 */
import type { Page } from "@playwright/test";

import {
  apiToken,
  assistantMessages,
  expect,
  register,
  screenshot,
  send,
  test,
  uniqueEmail,
} from "./helpers";

const SMALL = "Parley stub";
const LARGE = "Parley stub large";

/** The code of the stub's markdown reply, exactly (MARKDOWN_CODE in the stub). */
const MARKDOWN_CODE = `import csv
from pathlib import Path


def total(path: Path, column: str) -> float:
    """Sum one numeric column of a CSV file."""
    with path.open(newline="") as handle:
        return sum(float(row[column]) for row in csv.DictReader(handle))


print(total(Path("sales.csv"), "amount"))`;

function picker(page: Page) {
  return page.getByTestId("model-picker");
}

async function pick(page: Page, name: string) {
  await picker(page).click();
  await page.getByRole("menuitemradio").filter({ hasText: new RegExp(`^${name}(Default)?$`) }).click();
  await expect(picker(page)).toHaveAccessibleName(`Model: ${name}`);
}

async function lastReplyDone(page: Page) {
  const reply = assistantMessages(page).last();
  await expect(reply).toHaveAttribute("data-status", "completed", { timeout: 20_000 });
  return reply;
}

test("pick a model, send: the reply names it, and the chat remembers it", async ({ page, request }) => {
  const email = uniqueEmail("models");
  await register(page, email);

  // A new chat starts on the default; the menu lists both models, the default marked.
  await expect(picker(page)).toHaveAccessibleName(`Model: ${SMALL}`);
  await picker(page).click();
  const items = page.getByRole("menuitemradio");
  await expect(items).toHaveText([`${SMALL}Default`, LARGE]);
  await expect(items.first()).toHaveAttribute("aria-checked", "true");
  await screenshot(page, "20-model-picker");
  await page.keyboard.press("Escape");

  // Pick the large one for the new chat, then send: the chat is created with it.
  await pick(page, LARGE);
  await send(page, "Which model are you? [stub:words=6]");
  await expect(page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
  const chatId = page.url().split("/").at(-1)!;
  const first = await lastReplyDone(page);
  await expect(first.getByTestId("message-model")).toHaveText(LARGE);
  await expect(picker(page)).toHaveAccessibleName(`Model: ${LARGE}`);
  await screenshot(page, "21-reply-with-model");

  // After a reload the chat still has its model, and the stored reply still names it.
  await page.reload();
  await expect(picker(page)).toHaveAccessibleName(`Model: ${LARGE}`);
  await expect(assistantMessages(page).last().getByTestId("message-model")).toHaveText(LARGE);

  // Switching the open chat's model is remembered for the next turns, not rewritten on the old.
  await pick(page, SMALL);
  await send(page, "And now? [stub:words=6]");
  await expect(assistantMessages(page)).toHaveCount(2);
  await expect((await lastReplyDone(page)).getByTestId("message-model")).toHaveText(SMALL);
  await page.reload();
  await expect(picker(page)).toHaveAccessibleName(`Model: ${SMALL}`);
  await expect(assistantMessages(page).getByTestId("message-model")).toHaveText([LARGE, SMALL]);

  // The server agrees: the chat's model, and which model wrote each reply.
  const token = await apiToken(request, email);
  const chat = (await (await request.get(`/api/chats/${chatId}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
    model: string | null;
    messages: { role: string; model?: string | null }[];
  };
  expect(chat.model).toBe("parley-stub");
  expect(chat.messages.filter((m) => m.role === "assistant").map((m) => m.model)).toEqual(["parley-stub-large", "parley-stub"]);
});

test("a markdown reply: highlighted code with a copy button, a table, a list and a link", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(process.env.PARLEY_E2E_URL!).origin });
  await register(page, uniqueEmail("markdown"));
  await send(page, "How do I read a CSV file? [stub:markdown]");
  const reply = await lastReplyDone(page);

  await expect(reply.getByRole("heading", { name: "Reading a CSV file in Python" })).toBeVisible();
  const block = reply.getByTestId("code-block");
  await expect(block).toHaveCount(1);
  await expect(block).toContainText("python");
  const code = block.locator("pre code.hljs.language-python");
  await expect(code).toBeVisible();
  // Highlighted: highlight.js spans, coloured by the theme's stylesheet (which the CSP lets in).
  const keyword = code.locator(".hljs-keyword").first();
  await expect(keyword).toHaveText("import");
  const colours = await keyword.evaluate((span) => ({
    keyword: getComputedStyle(span).color,
    code: getComputedStyle(span.closest("code")!).color,
  }));
  expect(colours.keyword).not.toBe(colours.code);
  await expect(code.locator(".hljs-string").first()).toBeVisible();

  // Copy puts exactly the code on the clipboard, and says so.
  await block.getByRole("button", { name: "Copy code" }).click();
  await expect(block.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(MARKDOWN_CODE);
  await expect(block.getByRole("button", { name: "Copy code" })).toBeVisible({ timeout: 5_000 });

  // The table, the list and the link.
  const table = reply.getByTestId("table-scroll").locator("table");
  await expect(table.locator("thead th")).toHaveText(["Approach", "Extra dependency", "Memory use", "Best for"]);
  await expect(table.locator("tbody tr")).toHaveCount(3);
  await expect(reply.locator("ul > li")).toHaveCount(3);
  await expect(reply.getByRole("link", { name: "csv module documentation" })).toHaveAttribute(
    "href",
    "https://docs.python.org/3/library/csv.html",
  );
  await block.scrollIntoViewIfNeeded();
  await screenshot(page, "22-markdown-reply");
});

test("on a phone a wide table scrolls in its own box; the page does not scroll sideways", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await register(page, uniqueEmail("phone-table"));
  await expect(picker(page)).toBeVisible();
  await send(page, "Compare the ways to read a CSV [stub:markdown]");
  const reply = await lastReplyDone(page);
  const box = reply.getByTestId("table-scroll");
  await box.scrollIntoViewIfNeeded();

  const sizes = await box.evaluate((element) => ({ scroll: element.scrollWidth, client: element.clientWidth }));
  expect(sizes.scroll).toBeGreaterThan(sizes.client);
  await box.evaluate((element) => element.scrollBy({ left: 120 }));
  await expect.poll(() => box.evaluate((element) => element.scrollLeft)).toBeGreaterThan(0);

  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    log: (() => {
      const log = document.querySelector('[role="log"]')!;
      return { scroll: log.scrollWidth, client: log.clientWidth };
    })(),
  }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  expect(widths.log.scroll).toBeLessThanOrEqual(widths.log.client);
  await screenshot(page, "23-phone-table");
  await context.close();
});
