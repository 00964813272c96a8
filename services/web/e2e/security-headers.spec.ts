import type { APIRequestContext, APIResponse, Page } from "@playwright/test";

import { apiCreateChat, apiToken, assistantMessages, expect, PASSWORD, register, send, test, uniqueEmail } from "./helpers";

/** `img-src` of a policy, as its list of sources. */
function imgSrc(policy: string): string[] {
  const directive = policy.split(";").map((d) => d.trim().split(/\s+/)).find(([name]) => name === "img-src");
  return directive ? directive.slice(1) : [];
}

function expectWebHeaders(response: APIResponse) {
  const headers = response.headersArray();
  const named = (name: string) => headers.filter((h) => h.name.toLowerCase() === name).map((h) => h.value);
  // One policy, from the web client; the gateway's headers once each, none of them fighting it.
  expect(named("content-security-policy")).toHaveLength(1);
  const policy = named("content-security-policy")[0];
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(policy).toContain("connect-src 'self'");
  expect(policy).toContain("object-src 'none'");
  // No remote hosts for images unless WEB_IMG_SRC says so, and this stack does not.
  expect(imgSrc(policy)).toEqual(["'self'", "data:"]);
  expect(named("x-frame-options")).toEqual(["DENY"]);
  expect(named("x-content-type-options")).toEqual(["nosniff"]);
  // Plain http: no HSTS.
  expect(named("strict-transport-security")).toEqual([]);
  return policy;
}

/** CSP violations the page reports, from the first script on (before the app's own). */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  await page.exposeFunction("reportCspViolation", (text: string) => seen.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { reportCspViolation: (text: string) => void }).reportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI}`,
      );
    });
  });
  return seen;
}

test("the login page and a chat page send the CSP, a new nonce each time", async ({ request }) => {
  const login = await request.get("/login");
  expect(login.status()).toBe(200);
  const first = expectWebHeaders(login);
  expect(expectWebHeaders(await request.get("/login"))).not.toEqual(first);

  const token = await apiToken(request, (await registerByApi(request)).email);
  const chatId = await apiCreateChat(request, token);
  const chat = await request.get(`/chats/${chatId}`);
  expect(chat.status()).toBe(200);
  expectWebHeaders(chat);
});

test("a normal chat runs without a CSP violation", async ({ page }) => {
  const violations = await watchViolations(page);
  await register(page, uniqueEmail("csp"));
  await send(page, "Hello there, how are you?");
  const reply = assistantMessages(page).last();
  await expect(reply).toHaveAttribute("data-status", "completed", { timeout: 20_000 });
  await expect(reply).toContainText("Stub reply to: Hello there");
  await page.reload();
  await expect(assistantMessages(page).last()).toContainText("Stub reply to: Hello there");
  expect(violations).toEqual([]);
});

test("a markdown reply (highlighted code, copy button, table) runs without a CSP violation", async ({ page }) => {
  const violations = await watchViolations(page);
  await register(page, uniqueEmail("csp-markdown"));
  await send(page, "Show me code and a table [stub:markdown]");
  const reply = assistantMessages(page).last();
  await expect(reply).toHaveAttribute("data-status", "completed", { timeout: 20_000 });
  await expect(reply.locator("code.hljs .hljs-keyword").first()).toBeVisible();
  await expect(reply.getByTestId("table-scroll")).toBeVisible();
  await reply.getByRole("button", { name: "Copy code" }).click();
  await expect(reply.getByTestId("code-block").getByRole("button")).not.toHaveAccessibleName("Copy code");
  expect(violations).toEqual([]);
});

test("a remote image in a reply is shown as a link and never requested", async ({ page }) => {
  const violations = await watchViolations(page);
  // What the page asked for (even if the CSP then blocked it), and what reached the network
  // (answered here, so nothing leaves the machine even if the page got that far).
  const attempted: string[] = [];
  const reached: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).hostname.endsWith("evil.example")) attempted.push(r.url());
  });
  await page.route("https://evil.example/**", (route) => {
    reached.push(route.request().url());
    return route.fulfill({ status: 204 });
  });
  await register(page, uniqueEmail("leak"));
  // The stub's reply quotes the message's first words, so the reply holds the image markdown.
  await send(page, "![x](https://evil.example/leak.png) please");
  const reply = assistantMessages(page).last();
  await expect(reply).toHaveAttribute("data-status", "completed", { timeout: 20_000 });
  const link = reply.getByRole("link", { name: "Image: x (evil.example)" });
  await expect(link).toHaveAttribute("href", "https://evil.example/leak.png");
  await expect(reply.locator("img")).toHaveCount(0);
  await page.reload();
  await expect(assistantMessages(page).last().getByRole("link", { name: "Image: x (evil.example)" })).toBeVisible();
  expect(reached).toEqual([]);
  expect(attempted).toEqual([]);
  expect(violations).toEqual([]);
});

async function registerByApi(request: APIRequestContext) {
  const email = uniqueEmail("headers");
  const response = await request.post("/auth/register", { data: { email, password: PASSWORD } });
  expect(response.status()).toBe(201);
  return { email };
}
