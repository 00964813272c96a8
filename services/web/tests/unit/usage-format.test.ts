import { describe, expect, it } from "vitest";

import { addDays, daysInRange, fillDays, isDay, lastDays, niceCeiling, rangeProblem } from "@/lib/usage/days";
import { dayLabel, formatCost, formatDuration, formatTokens, resetPhrase, tokenCount } from "@/lib/usage/format";
import type { DayUsage } from "@/lib/usage/types";

const EN = { locale: "en-US", timeZone: "UTC" };
const NOW = Date.parse("2026-06-01T20:48:00Z");

function day(date: string, tokens: number): DayUsage {
  return { day: date, input_tokens: tokens - 1, output_tokens: 1, tokens, cost: tokens / 1e6, calls: 1 };
}

describe("figures in words", () => {
  it("writes tokens in full, or compact for the chart's scale, and counts them in words", () => {
    expect(formatTokens(1234567, EN)).toBe("1,234,567");
    expect(formatTokens(1234567, { ...EN, compact: true })).toBe("1.2M");
    expect(tokenCount(1, EN)).toBe("1 token");
    expect(tokenCount(12000, EN)).toBe("12,000 tokens");
  });

  it("writes costs in the server's currency, with the digits a sub-cent turn needs", () => {
    expect(formatCost(0, "USD", EN)).toBe("$0.00");
    expect(formatCost(12.5, "USD", EN)).toBe("$12.50");
    expect(formatCost(0.42, "USD", EN)).toBe("$0.42");
    expect(formatCost(0.0012, "USD", EN)).toBe("$0.0012");
    expect(formatCost(3, "EUR", EN)).toBe("€3.00");
    // An operator's own unit is not an ISO code: written after the number.
    expect(formatCost(1.5, "credits", EN)).toBe("1.50 credits");
  });

  it("says how long to wait in the largest units that matter", () => {
    expect(formatDuration(0.2)).toBe("1 s");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(300)).toBe("5 min");
    expect(formatDuration(3 * 3600 + 12 * 60)).toBe("3 h 12 min");
    expect(formatDuration(7200)).toBe("2 h");
    expect(formatDuration(2 * 86400 + 7 * 3600)).toBe("2 d 7 h");
  });

  it("says when a budget resets: the time and how long until then within a day, else the date", () => {
    expect(resetPhrase("2026-06-02T00:00:00Z", NOW, EN)).toBe("at 12:00 AM (in 3 h 12 min)");
    expect(resetPhrase("2026-06-02T00:00:00Z", NOW, { locale: "en-GB", timeZone: "Europe/Berlin" })).toBe("at 02:00 (in 3 h 12 min)");
    expect(resetPhrase("2026-07-01T00:00:00Z", NOW, { locale: "en-GB", timeZone: "UTC" })).toBe("on 1 Jul at 00:00");
    expect(resetPhrase("2026-06-01T00:00:00Z", NOW, EN)).toBe("now");
  });

  it("labels a UTC day as that day wherever the reader is", () => {
    expect(dayLabel("2026-06-03", { locale: "en-GB" })).toBe("3 Jun");
    expect(dayLabel("2026-06-03", { locale: "en-GB" }, true)).toBe("Wed 3 Jun");
  });
});

describe("UTC days", () => {
  it("fills the days without usage with zeros, oldest first, so the chart has every day", () => {
    const filled = fillDays([day("2026-05-29", 10), day("2026-06-01", 40)], "2026-05-28", "2026-06-01");
    expect(filled.map((d) => [d.day, d.tokens])).toEqual([
      ["2026-05-28", 0],
      ["2026-05-29", 10],
      ["2026-05-30", 0],
      ["2026-05-31", 0],
      ["2026-06-01", 40],
    ]);
    expect(filled[1]).toEqual(day("2026-05-29", 10));
  });

  it("draws only the range asked for, across month and year ends", () => {
    expect(fillDays([day("2025-12-20", 5)], "2025-12-31", "2026-01-01").map((d) => d.day)).toEqual(["2025-12-31", "2026-01-01"]);
    expect(fillDays([], "2026-06-01", "2026-06-01")).toHaveLength(1);
    expect(fillDays([], "2024-01-01", "2026-01-01")).toHaveLength(366);
  });

  it("counts and steps days, and knows a real day from a typo", () => {
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(daysInRange("2026-05-03", "2026-06-01")).toBe(30);
    expect(lastDays(30, NOW)).toEqual({ since: "2026-05-03", until: "2026-06-01" });
    expect(isDay("2026-02-28")).toBe(true);
    expect(isDay("2026-02-30")).toBe(false);
    expect(isDay("1970-01-01")).toBe(true);
    expect(isDay("yesterday")).toBe(false);
  });

  it("refuses the ranges the server refuses, in words", () => {
    expect(rangeProblem("2026-05-01", "2026-06-01")).toBeNull();
    expect(rangeProblem("", "2026-06-01")).toBe("Pick a start and an end day.");
    expect(rangeProblem("2026-06-02", "2026-06-01")).toBe("The start day must not be after the end day.");
    expect(rangeProblem("2025-01-01", "2026-01-01")).toBeNull(); // 366 days
    expect(rangeProblem("2024-12-31", "2026-01-01")).toBe("Pick at most 366 days.");
  });

  it("tops the chart's scale with a round number", () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(1200)).toBe(2000);
    expect(niceCeiling(3100)).toBe(5000);
    expect(niceCeiling(5000)).toBe(5000);
  });
});
