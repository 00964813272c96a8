import { expect, register, test, uniqueEmail } from "./helpers";

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
