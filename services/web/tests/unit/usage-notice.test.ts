import { describe, expect, it } from "vitest";

import { ApiClient } from "@/lib/api";
import { errorFromResponse } from "@/lib/errors";
import { Replies } from "@/lib/replies/replies";
import { transcriptRows } from "@/lib/transcript";
import { budgetOwner, lowBudgetNotice, usedFraction } from "@/lib/usage/notice";
import { refusalWhen, usageRefusal } from "@/lib/usage/refusal";
import type { Budget, UsageReport } from "@/lib/usage/types";

import { FakeServer, json } from "./fake-server";

const EN = { locale: "en-GB", timeZone: "UTC" };
const NOW = Date.parse("2026-06-01T20:48:00Z");

function budget(patch: Partial<Budget> = {}): Budget {
  return {
    id: "b1",
    scope: "user",
    scope_id: "u1",
    period: "day",
    max_tokens: 10_000,
    max_cost: null,
    used_tokens: 8_500,
    used_cost: 0.3,
    held_tokens: 300,
    held_cost: 0,
    remaining_tokens: 1_200,
    remaining_cost: null,
    resets_at: "2026-06-02T00:00:00Z",
    ...patch,
  };
}

function report(patch: Partial<UsageReport> = {}): UsageReport {
  const zero = { input_tokens: 0, output_tokens: 0, tokens: 0, cost: 0, calls: 0 };
  return {
    currency: "USD",
    since: "2026-05-03",
    until: "2026-06-01",
    today: zero,
    by_day: [],
    by_model: [],
    budgets: [budget()],
    remaining: { unit: "tokens", amount: 1_200, fraction: 0.12, resets_at: "2026-06-02T00:00:00Z", budget_id: "b1" },
    low: true,
    next_reply: { model: "stub-model", tokens: 1_000, cost: 0, fits: true },
    limits: { replies_in_flight: 4, turns_per_minute: 30 },
    ...patch,
  };
}

/** Chat's 429 for a message over budget, as the contract spells it. */
function budgetRefusal(retryAfter: number, resetsAt = "2026-06-02T00:00:00Z", scope = "user", scopeId = "u1", needed = 4) {
  return json(
    429,
    {
      detail: {
        code: "BUDGET_EXCEEDED",
        message: "You have reached your daily token budget.",
        limit: { name: "budget", scope, scope_id: scopeId, period: "day", unit: "tokens", max: 100, used: 90, held: 0, needed, resets_at: resetsAt },
        retry_after: retryAfter,
      },
    },
    { "Retry-After": String(retryAfter) },
  );
}

describe("the composer's low-budget notice", () => {
  it("says what is left of the tightest budget today and when it resets", () => {
    expect(lowBudgetNotice(report(), NOW, EN)).toBe("1,200 tokens left today, resets at 00:00 (in 3 h 12 min).");
  });

  it("speaks of cost in the server's currency, of this month, and names a shared group budget", () => {
    const usage = report({
      budgets: [budget({ id: "g", scope: "group", scope_id: "engineering", period: "month", max_cost: 50, remaining_cost: 4.2 })],
      remaining: { unit: "cost", amount: 4.2, fraction: 0.084, resets_at: "2026-07-01T00:00:00Z", budget_id: "g" },
    });
    expect(lowBudgetNotice(usage, NOW, EN)).toBe("US$4.20 left this month in the budget of group engineering, resets on 1 Jul at 00:00.");
  });

  it("says when what is left is less than one reply may use (the next message would be refused)", () => {
    const short = report({ next_reply: { model: "stub-model", tokens: 17_000, cost: 0, fits: false } });
    expect(lowBudgetNotice(short, NOW, EN)).toBe(
      "1,200 tokens left today: not enough for a reply, which may use up to 17,000 tokens. It resets at 00:00 (in 3 h 12 min).",
    );
  });

  it("says nothing while enough is left or no budget applies, and 'No tokens left' when none is", () => {
    expect(lowBudgetNotice(report({ low: false }), NOW, EN)).toBeNull();
    expect(lowBudgetNotice(report({ remaining: null, low: false, budgets: [] }), NOW, EN)).toBeNull();
    expect(lowBudgetNotice(undefined, NOW, EN)).toBeNull();
    const spent = report({ remaining: { unit: "tokens", amount: -40, fraction: 0, resets_at: "2026-06-02T00:00:00Z", budget_id: "b1" } });
    expect(lowBudgetNotice(spent, NOW, EN)).toBe("No tokens left today, resets at 00:00 (in 3 h 12 min).");
  });

  it("names whose budget it is and how far it is used, calls in flight included", () => {
    expect(budgetOwner(budget())).toBe("Your own");
    expect(budgetOwner(budget({ scope: "group", scope_id: "eng" }))).toBe("Group eng (shared)");
    expect(budgetOwner(budget({ scope: "everyone", scope_id: "" }))).toBe("Everyone (each on their own)");
    expect(usedFraction(budget())).toBeCloseTo(0.88);
    expect(usedFraction(budget({ max_cost: 0.5 }))).toBeCloseTo(0.88); // the cost is at 0.6: the tokens are tighter
    expect(usedFraction(budget({ max_cost: 0.25 }))).toBe(1);
  });
});

describe("a message refused for usage (429)", () => {
  it("keeps chat's sentence and limit, and says the budget's reset time when that is what the user waits for", async () => {
    const error = await errorFromResponse(budgetRefusal(11_520));
    expect(error).toMatchObject({ status: 429, code: "BUDGET_EXCEEDED", message: "You have reached your daily token budget.", retryAfter: 11_520 });
    const refusal = usageRefusal(error, NOW)!;
    expect(refusal.limit).toMatchObject({ name: "budget", unit: "tokens", max: 100 });
    expect(refusalWhen(refusal, NOW, EN)).toBe("Your budget resets at 00:00 (in 3 h 12 min).");
    const group = usageRefusal(await errorFromResponse(budgetRefusal(11_520, undefined, "group", "eng")), NOW)!;
    expect(refusalWhen(group, NOW, EN)).toBe("The group budget of eng resets at 00:00 (in 3 h 12 min).");
  });

  it("says to try again shortly when only replies in flight stand in the way, and when a rate limit passes", async () => {
    const inFlight = usageRefusal(await errorFromResponse(budgetRefusal(5)), NOW)!;
    expect(refusalWhen(inFlight, NOW, EN)).toBe("Try again in 5 s.");
    expect(refusalWhen(inFlight, NOW + 6000, EN)).toBe("You can try again now.");
    const limited = await errorFromResponse(
      json(429, { detail: { code: "RATE_LIMITED", message: "You are sending too fast.", limit: { name: "turns_per_minute", max: 30 }, retry_after: 42 } }),
    );
    const refusal = usageRefusal(limited, NOW)!;
    expect(refusal).toMatchObject({ code: "RATE_LIMITED", message: "You are sending too fast.", limit: { name: "turns_per_minute", max: 30 } });
    expect(refusalWhen(refusal, NOW, EN)).toBe("Try again in 42 s.");
  });

  it("says no time when waiting cannot help: the budget is smaller than one reply of the model", async () => {
    const tooSmall = usageRefusal(await errorFromResponse(budgetRefusal(11_520, undefined, "user", "u1", 4096)), NOW)!;
    expect(refusalWhen(tooSmall, NOW, EN)).toBeNull();
  });

  it("is not confused with other 429s (login attempts, the gateway)", async () => {
    expect(usageRefusal(await errorFromResponse(json(429, { detail: "LOGIN_TOO_MANY_ATTEMPTS" }, { "Retry-After": "3" })))).toBeNull();
    expect(usageRefusal(await errorFromResponse(new Response("Too Many Requests", { status: 429 })))).toBeNull();
    expect(usageRefusal(await errorFromResponse(json(409, { detail: { code: "BUDGET_EXCEEDED", message: "x" } })))).toBeNull();
  });

  it("ends the reply as refused, with the refusal, and the transcript leaves the text to the composer", async () => {
    const server = new FakeServer().on("POST", "/api/chats/c1/messages", () => budgetRefusal(11_520));
    const api = new ApiClient({ fetch: server.fetch, tokens: { accessToken: () => "t", refreshAccessToken: async () => "t" } });
    const replies = new Replies({ api, sleep: async () => undefined });
    await replies.send("c1", "Summarise this for me");
    const reply = replies.get("c1")!;
    expect(reply).toMatchObject({ phase: "finished", outcome: "error", runId: null, userContent: "Summarise this for me" });
    expect(reply.error).toMatchObject({ code: "BUDGET_EXCEEDED", message: "You have reached your daily token budget." });
    expect(reply.error?.refusal?.limit).toMatchObject({ name: "budget", period: "day" });
    // Not drawn as a "Not sent" row: the composer shows the refusal and holds the text.
    expect(transcriptRows([], reply)).toEqual([]);
    // Nothing stored failed, so no stored row gets this reason either.
    expect(replies.failure("c1")).toBeUndefined();
  });
});
