/**
 * UTC days as "YYYY-MM-DD": the server's day boundaries. Gap filling for the chart (the server
 * lists only days with usage), the console's date range and its checks. Pure.
 */
import type { DayUsage } from "./types";

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** The server refuses longer ranges. */
export const MAX_RANGE_DAYS = 366;

/** The UTC day of an instant. */
export function utcDay(at: number = Date.now()): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** A real calendar day written as "YYYY-MM-DD" ("2026-02-30" is not one). */
export function isDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const at = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(at) && utcDay(at) === text;
}

export function addDays(day: string, count: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + count * DAY_MS);
}

/** Days from `since` to `until`, both included (1 for the same day). */
export function daysInRange(since: string, until: string): number {
  return Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / DAY_MS) + 1;
}

/**
 * Every day from `since` to `until`, oldest first: the server's days with usage, zero days in
 * between. Days outside the range are left out (at most MAX_RANGE_DAYS days are drawn).
 */
export function fillDays(days: DayUsage[], since: string, until: string): DayUsage[] {
  const known = new Map(days.map((d) => [d.day, d]));
  const count = Math.min(daysInRange(since, until), MAX_RANGE_DAYS);
  const filled: DayUsage[] = [];
  for (let i = 0; i < count; i++) {
    const day = addDays(since, i);
    filled.push(known.get(day) ?? { day, input_tokens: 0, output_tokens: 0, tokens: 0, cost: 0, calls: 0 });
  }
  return filled;
}

/** The last `days` days up to today (UTC), as the console's form starts. */
export function lastDays(days: number, now = Date.now()): { since: string; until: string } {
  const until = utcDay(now);
  return { since: addDays(until, -(days - 1)), until };
}

/** Why the server would refuse this range, or null when it is fine. */
export function rangeProblem(since: string, until: string): string | null {
  if (!isDay(since) || !isDay(until)) return "Pick a start and an end day.";
  if (since > until) return "The start day must not be after the end day.";
  if (daysInRange(since, until) > MAX_RANGE_DAYS) return `Pick at most ${MAX_RANGE_DAYS} days.`;
  return null;
}

/**
 * The top of a chart's scale: a round number at or above `max` (1, 2 or 5 times a power of
 * ten), so the grid lines read well; 1 for an empty chart.
 */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}
