import { describe, expect, it } from "vitest";

import { ApiError, errorFromResponse, needsEmailConfirmation } from "@/lib/errors";

import { json } from "./fake-server";

describe("API errors in words", () => {
  it.each([
    ["CURRENT_PASSWORD_INVALID", 400, "Your current password is not right"],
    ["REGISTRATION_CLOSED", 403, "This server does not take new accounts. Ask its administrator for one."],
    ["REGISTRATION_DOMAIN_NOT_ALLOWED", 403, "This server only takes email addresses of certain domains"],
    ["INVITE_CODE_INVALID", 403, "That invite code is not valid (it may have expired or been used up)"],
    ["EMAIL_NOT_VERIFIED", 403, "Confirm your email to start chatting"],
    ["UPDATE_USER_EMAIL_ALREADY_EXISTS", 400, "That email is already used by another account"],
  ])("%s", async (code, status, words) => {
    const error = await errorFromResponse(json(status, { detail: code }));
    expect(error).toMatchObject({ status, code, message: words });
  });

  it("shows the server's reason for a refused password (the common-password list is server-side)", async () => {
    const reason = "This password is too common: it appears in lists of leaked passwords";
    const error = await errorFromResponse(json(400, { detail: { code: "RESET_PASSWORD_INVALID_PASSWORD", reason } }));
    expect(error).toMatchObject({ code: "RESET_PASSWORD_INVALID_PASSWORD", message: reason });
  });

  it("keeps the code of a 429 and says how long to wait", async () => {
    const limited = await errorFromResponse(json(429, { detail: "RATE_LIMITED" }, { "Retry-After": "42" }));
    expect(limited).toMatchObject({ code: "RATE_LIMITED", retryAfter: 42, message: "Too many attempts, try again in 42 s" });
    const gateway = await errorFromResponse(new Response("Too Many Requests", { status: 429, headers: { "Retry-After": "3" } }));
    expect(gateway).toMatchObject({ code: "TOO_MANY_REQUESTS", retryAfter: 3 });
  });

  it("recognises an unconfirmed email in an API error or in a reply's error", () => {
    expect(needsEmailConfirmation(null, new ApiError(403, "EMAIL_NOT_VERIFIED", "x"))).toBe(true);
    expect(needsEmailConfirmation(undefined, { code: "EMAIL_NOT_VERIFIED", message: "x" })).toBe(true);
    expect(needsEmailConfirmation(new ApiError(403, "FORBIDDEN", "x"), null, "EMAIL_NOT_VERIFIED")).toBe(false);
  });

  it("shows a 422's reason when the server gives it in a sentence", async () => {
    const error = await errorFromResponse(json(422, { detail: "unknown model 'gpt-9'" }));
    expect(error).toMatchObject({ status: 422, code: "unknown model 'gpt-9'", message: "Unknown model 'gpt-9'." });
    const code = await errorFromResponse(json(422, { detail: "SOME_CODE" }));
    expect(code.message).toBe("The request was not accepted");
  });
});
