import { describe, expect, it } from "vitest";

import { ApiClient } from "@/lib/api";
import { describeError } from "@/lib/errors";
import { keyHeading, rowLabel, userWithEmail } from "@/lib/usage/admin-usage";
import { budgetBody, budgetForm, budgetTarget, looksLikeEmail, type BudgetForm } from "@/lib/usage/budget-form";
import { attachmentName, fetchUsage, UsageAdmin } from "@/lib/usage/client";
import type { AdminUsage, UsageReport } from "@/lib/usage/types";

import { FakeUsageServer } from "./fake-usage";

const USER = "0b6f8f8e-7d39-4c4e-9a63-2f1d8f3c1a77";

function clients(server: FakeUsageServer) {
  const api = new ApiClient({ fetch: server.fetch, tokens: { accessToken: () => "session-token", refreshAccessToken: async () => "session-token" } });
  return { api, admin: new UsageAdmin(api) };
}

function form(patch: Partial<BudgetForm>): BudgetForm {
  return { ...budgetForm(null), ...patch };
}

const TABLE: AdminUsage = {
  by: "user",
  since: "2026-05-03",
  until: "2026-06-01",
  currency: "USD",
  rows: [{ key: USER, input_tokens: 900, output_tokens: 100, tokens: 1000, cost: 0.0125, calls: 3, estimated_calls: 1 }],
  total: { input_tokens: 900, output_tokens: 100, tokens: 1000, cost: 0.0125, calls: 3, estimated_calls: 1 },
};

describe("the budget form", () => {
  it("makes the bodies chat takes: everyone, a user by id, a group; tokens, cost or both", () => {
    expect(budgetBody(form({ maxTokens: "100,000" })).body).toEqual({ scope: "everyone", scope_id: "", period: "day", max_tokens: 100000 });
    expect(budgetBody(form({ scope: "user", scopeId: ` ${USER} `, period: "month", maxCost: "$2.50" })).body).toEqual({
      scope: "user",
      scope_id: USER,
      period: "month",
      max_cost: "2.50",
    });
    expect(budgetBody(form({ scope: "group", scopeId: "engineering", maxTokens: "0", maxCost: "0.000001" })).body).toEqual({
      scope: "group",
      scope_id: "engineering",
      period: "day",
      max_tokens: 0,
      max_cost: "0.000001",
    });
  });

  it("says what is wrong before anything is sent", () => {
    expect(budgetBody(form({})).errors).toEqual({ maxTokens: "Set a token limit, a cost limit, or both." });
    expect(budgetBody(form({ scope: "user", scopeId: "ada", maxTokens: "5" })).errors).toEqual({ scopeId: "Enter the user's email or id." });
    expect(budgetBody(form({ scope: "group", scopeId: "", maxTokens: "5" })).errors).toEqual({ scopeId: "Pick a group." });
    expect(budgetBody(form({ maxTokens: "1.5" })).errors?.maxTokens).toMatch(/whole number/);
    expect(budgetBody(form({ maxTokens: String(10 ** 15 + 1) })).errors?.maxTokens).toMatch(/10\^15/);
    expect(budgetBody(form({ maxCost: "0.0000001" })).errors?.maxCost).toMatch(/six decimals/);
    expect(budgetBody(form({ maxCost: "-1" })).errors?.maxCost).toBeDefined();
  });

  it("starts an edit from the budget's limits, and names whose budget it is", () => {
    const budget = { id: "b", scope: "user", scope_id: USER, period: "month", max_tokens: 5000, max_cost: null } as const;
    expect(budgetForm({ ...budget, used_tokens: 0, used_cost: 0, held_tokens: 0, held_cost: 0, remaining_tokens: 5000, remaining_cost: null, resets_at: "" })).toEqual({
      scope: "user",
      scopeId: USER,
      period: "month",
      maxTokens: "5000",
      maxCost: "",
    });
    expect(budgetTarget(budget, "ada@example.com")).toBe("User ada@example.com");
    expect(budgetTarget(budget)).toBe(`User ${USER}`);
    expect(budgetTarget({ scope: "group", scope_id: "eng" })).toBe("Group eng");
    expect(budgetTarget({ scope: "everyone", scope_id: "" })).toBe("Everyone");
    expect(looksLikeEmail(" ada@example.com ")).toBe(true);
    expect(looksLikeEmail(USER)).toBe(false);
  });

  it("finds the user of an email among a prefix search's answers, exactly", () => {
    const users = [{ id: "1", email: "ada@example.com.au" }, { id: "2", email: "Ada@Example.com" }];
    expect(userWithEmail(users, "ada@example.com")?.id).toBe("2");
    expect(userWithEmail(users, "ad@example.com")).toBeUndefined();
  });
});

describe("UsageAdmin against chat's routes", () => {
  it("adds a budget, changes its limits in place (same scope and period), lists and deletes it", async () => {
    const server = new FakeUsageServer();
    const { admin } = clients(server);
    const made = await admin.putBudget(budgetBody(form({ scope: "group", scopeId: "eng", maxTokens: "1000" })).body!);
    const changed = await admin.putBudget(budgetBody(form({ scope: "group", scopeId: "eng", maxCost: "3" })).body!);
    expect(changed.id).toBe(made.id);
    expect(await admin.budgets()).toEqual([expect.objectContaining({ scope: "group", scope_id: "eng", max_tokens: null, max_cost: 3 })]);
    expect(server.calls("PUT", "/api/admin/budgets")[0]!.headers.get("Authorization")).toBe("Bearer session-token");

    await admin.deleteBudget(made.id);
    expect(await admin.budgets()).toEqual([]);
    const again = await admin.deleteBudget(made.id).catch((e: unknown) => e);
    expect(again).toMatchObject({ status: 404 });
  });

  it("shows chat's refusals: a member is not allowed, a bad body is not accepted", async () => {
    const server = new FakeUsageServer();
    const { admin } = clients(server);
    const invalid = await admin.putBudget({ scope: "user", scope_id: "not-a-uuid", period: "day", max_tokens: 1 }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422 });
    server.admin = false;
    const refused = await admin.budgets().catch((e: unknown) => e);
    expect(describeError(refused)).toBe("Only administrators may do that.");
  });

  it("reads the usage table for a grouping and range, and the same as a CSV file named by the server", async () => {
    const server = new FakeUsageServer();
    server.table = TABLE;
    const { admin } = clients(server);
    const query = { by: "model", since: "2026-05-01", until: "2026-05-31" } as const;
    const table = await admin.usage(query);
    expect(table).toMatchObject({ by: "model", since: "2026-05-01", until: "2026-05-31", rows: TABLE.rows });
    expect(server.requests.at(-1)!.path).toBe("/api/admin/usage?by=model&since=2026-05-01&until=2026-05-31&format=json");

    const file = await admin.csv(query);
    expect(file.filename).toBe("parley-usage-model-2026-05-01-2026-05-31.csv");
    expect(await file.blob.text()).toBe(`model,input_tokens,output_tokens,tokens,cost,calls,estimated_calls\r\n${USER},900,100,1000,0.012500000,3,1\r\n`);
    // With the token, as every chat API request: the chat API takes no cookie.
    expect(server.requests.at(-1)!.headers.get("Authorization")).toBe("Bearer session-token");
  });

  it("reads the user's own report", async () => {
    const server = new FakeUsageServer();
    server.report = { currency: "USD" } as UsageReport;
    const { api } = clients(server);
    expect(await fetchUsage(api)).toEqual({ currency: "USD" });
    expect(server.requests.at(-1)!.path).toBe("/api/usage?days=30");
  });
});

describe("the usage table's words", () => {
  it("names a download as the server did, else after the query, never with a folder", () => {
    expect(attachmentName('attachment; filename="parley-usage-day-2026-05-01-2026-05-31.csv"', "x.csv")).toBe("parley-usage-day-2026-05-01-2026-05-31.csv");
    expect(attachmentName("attachment; filename*=UTF-8''usage%20june.csv", "x.csv")).toBe("usage june.csv");
    expect(attachmentName('attachment; filename="../../etc/passwd"', "x.csv")).toBe("passwd");
    expect(attachmentName(null, "x.csv")).toBe("x.csv");
    expect(attachmentName("attachment", "x.csv")).toBe("x.csv");
  });

  it("reads each grouping's keys: emails for users when known, no group, days with their weekday", () => {
    expect(keyHeading("group")).toBe("Group");
    expect(rowLabel("user", USER, "ada@example.com")).toBe("ada@example.com");
    expect(rowLabel("user", USER)).toBe(USER);
    expect(rowLabel("group", "")).toBe("No group");
    expect(rowLabel("day", "2026-06-03", undefined, { locale: "en-GB" })).toBe("Wed 3 Jun (2026-06-03)");
    expect(rowLabel("model", "parley-stub")).toBe("parley-stub");
  });
});
