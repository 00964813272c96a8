/**
 * Usage figures in words: tokens, costs in the server's currency, durations and reset times.
 * Pure; `locale` and `timeZone` default to the browser's (tests pass their own).
 */
import type { BudgetPeriod, BudgetUnit } from "./types";

export interface Formats {
  locale?: string;
  timeZone?: string;
}

/** 1234567 -> "1,234,567"; `compact` -> "1.2M" (for chart labels). */
export function formatTokens(tokens: number, { locale, compact = false }: Formats & { compact?: boolean } = {}): string {
  const options: Intl.NumberFormatOptions = compact
    ? { notation: "compact", maximumFractionDigits: 1 }
    : { maximumFractionDigits: 0 };
  return new Intl.NumberFormat(locale, options).format(Math.round(tokens));
}

/** "12,345 tokens", "1 token". */
export function tokenCount(tokens: number, formats: Formats = {}): string {
  return `${formatTokens(tokens, formats)} ${Math.round(tokens) === 1 ? "token" : "tokens"}`;
}

/**
 * An amount of the server's currency: "$0.42", and small amounts with the digits that matter
 * ("$0.0012": a single turn often costs less than a cent). A currency that is not an ISO code
 * (an operator's "credits") is written after the number.
 */
export function formatCost(amount: number, currency: string, { locale }: Formats = {}): string {
  const abs = Math.abs(amount);
  const digits = abs === 0 || abs >= 1 ? 2 : abs >= 0.01 ? 3 : 4;
  const options: Intl.NumberFormatOptions = { minimumFractionDigits: 2, maximumFractionDigits: digits };
  if (/^[A-Z]{3}$/.test(currency)) {
    try {
      return new Intl.NumberFormat(locale, { ...options, style: "currency", currency }).format(amount);
    } catch {
      // Not a currency Intl knows: written as a plain number with its name below.
    }
  }
  return `${new Intl.NumberFormat(locale, options).format(amount)} ${currency}`;
}

/** An amount of a budget's unit: "12,345 tokens" or "$0.42". */
export function formatAmount(amount: number, unit: BudgetUnit, currency: string, formats: Formats = {}): string {
  return unit === "tokens" ? tokenCount(amount, formats) : formatCost(amount, currency, formats);
}

/** 42 -> "42 s", 300 -> "5 min", 11_520 -> "3 h 12 min", 200_000 -> "2 d 7 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/**
 * When a period ends, in the reader's time: within a day "at 02:00 (in 3 h 12 min)", later
 * "on 1 Jul at 02:00"; "now" once it has passed.
 */
export function resetPhrase(resetsAt: string, now = Date.now(), { locale, timeZone }: Formats = {}): string {
  const at = Date.parse(resetsAt);
  if (Number.isNaN(at)) return "soon";
  const seconds = (at - now) / 1000;
  if (seconds <= 0) return "now";
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone }).format(at);
  if (seconds < 86_400) return `at ${time} (in ${formatDuration(seconds)})`;
  const day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone }).format(at);
  return `on ${day} at ${time}`;
}

/** "today" / "this month": the budget's period as the user lives it (UTC days and months). */
export function periodWords(period: BudgetPeriod | undefined): string {
  return period === "day" ? "today" : period === "month" ? "this month" : "";
}

/** "Daily" / "Monthly". */
export function periodName(period: BudgetPeriod): string {
  return period === "day" ? "Daily" : "Monthly";
}

/** "2026-06-03" -> "3 Jun" (a UTC day, so read in UTC whatever the reader's zone). */
export function dayLabel(day: string, { locale }: Formats = {}, withWeekday = false): string {
  const options: Intl.DateTimeFormatOptions = { day: "numeric", month: "short", timeZone: "UTC" };
  if (withWeekday) options.weekday = "short";
  return new Intl.DateTimeFormat(locale, options).format(Date.parse(`${day}T00:00:00Z`));
}
