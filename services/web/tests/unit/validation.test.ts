import { describe, expect, it } from "vitest";

import { safeNextPath, validateEmail, validatePassword, validateRepeat } from "@/lib/validation";

describe("client-side rules (same as the auth service's)", () => {
  it("passwords are 12 to 128 characters", () => {
    expect(validatePassword("ada@example.com", "x".repeat(11))).toMatch(/at least 12/);
    expect(validatePassword("ada@example.com", "x".repeat(12))).toBeNull();
    expect(validatePassword("ada@example.com", "x".repeat(128))).toBeNull();
    expect(validatePassword("ada@example.com", "x".repeat(129))).toMatch(/at most 128/);
    // Counted in characters like the server: 12 emoji are 12 characters, not 24.
    expect(validatePassword("ada@example.com", "🔑".repeat(12))).toBeNull();
    expect(validatePassword("ada@example.com", "🔑".repeat(6))).toMatch(/at least 12/);
  });

  it("a password must not contain the email's local part", () => {
    expect(validatePassword("lovelace@example.com", "my-LoveLace-2024!")).toMatch(/email name/);
    expect(validatePassword("lovelace@example.com", "analytical engine")).toBeNull();
    // Like the server: local parts under 3 characters are not checked.
    expect(validatePassword("jo@example.com", "jolly good password")).toBeNull();
  });

  it("emails need a name, an @ and a domain", () => {
    expect(validateEmail("")).not.toBeNull();
    expect(validateEmail("ada")).not.toBeNull();
    expect(validateEmail("ada@example")).not.toBeNull();
    expect(validateEmail("ada@example.com")).toBeNull();
  });

  it("only same-site paths are followed after login", () => {
    expect(safeNextPath("/chats/abc")).toBe("/chats/abc");
    expect(safeNextPath("https://evil.example/")).toBe("/chats");
    expect(safeNextPath("//evil.example/")).toBe("/chats");
    expect(safeNextPath("/login")).toBe("/chats");
    expect(safeNextPath(null)).toBe("/chats");
  });
});

describe("the new password policy, where the client can check it", () => {
  it("refuses blanks, the email itself and compatibility variants of its name", () => {
    expect(validatePassword("ada@example.com", " ".repeat(12))).toMatch(/only spaces/);
    expect(validatePassword("lovelace.ada@example.com", "LoveLace.Ada@Example.com")).toMatch(/your email address/);
    // Fullwidth letters are the same name once NFKC-normalised, as the server compares them.
    expect(validatePassword("lovelace@example.com", "my ｌｏｖｅｌａｃｅ password")).toMatch(/email name/);
  });

  it("the repeated password must match", () => {
    expect(validateRepeat("correct horse battery", "")).toMatch(/again/);
    expect(validateRepeat("correct horse battery", "correct horse batery")).toMatch(/not the same/);
    expect(validateRepeat("correct horse battery", "correct horse battery")).toBeNull();
  });

  it("a link page is never where a login sends you back to", () => {
    expect(safeNextPath("/reset-password?token=x")).toBe("/chats");
    expect(safeNextPath("/settings")).toBe("/settings");
  });
});
