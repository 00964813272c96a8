import { assistantMessages, expect, register, send, test, uniqueEmail } from "./helpers";

test("the session refreshes itself before the access token expires", async ({ page }) => {
  const refreshes: number[] = [];
  page.on("response", (r) => {
    if (r.url().endsWith("/auth/refresh")) refreshes.push(r.status());
  });
  await register(page, uniqueEmail("refresh"));
  const before = refreshes.length;
  // The suite's stack issues 30 s tokens (ACCESS_TOKEN_TTL_SECONDS=30; set it too on a stack
  // given by PARLEY_E2E_URL): the page refreshes a few seconds before expiry.
  await expect.poll(() => refreshes.slice(before), { timeout: 40_000 }).toContain(200);
  await page.waitForTimeout(8_000); // past the first token's expiry
  await send(page, "Still logged in? [stub:words=5]");
  await expect(assistantMessages(page).last()).toHaveAttribute("data-status", "completed");
  // Every refresh since the login worked (the one before it, anonymous, could not).
  expect(refreshes.slice(before).every((status) => status === 200)).toBe(true);
});

test("repeated wrong passwords are slowed down: the login form counts down", async ({ page }) => {
  const email = uniqueEmail("guess");
  await register(page, email);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel("Email").fill(email);
  let status = 0;
  // The auth service throttles an account after 10 failures (the gateway's per-IP limit is
  // raised for this suite, so this is the per-account 429 with its Retry-After).
  for (let attempt = 1; attempt <= 12 && status !== 429; attempt++) {
    await page.getByLabel("Password").fill(`wrong password number ${attempt}`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/auth/login")),
      page.getByRole("button", { name: "Log in" }).click(),
    ]);
    status = response.status();
    if (status === 400) await expect(page.getByRole("form").getByRole("alert")).toHaveText("Wrong email or password");
  }
  expect(status).toBe(429);
  await expect(page.getByRole("form").getByRole("alert")).toHaveText(/^Too many attempts, try again in \d+ s$/);
  await expect(page.getByRole("button", { name: "Log in" })).toBeDisabled();
});
