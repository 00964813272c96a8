/** The console's usage table: its groupings and how each row's key reads. Pure. */
import { dayLabel, type Formats } from "./format";
import type { UsageGrouping } from "./types";

export const GROUPINGS: { value: UsageGrouping; label: string }[] = [
  { value: "user", label: "User" },
  { value: "group", label: "Group" },
  { value: "model", label: "Model" },
  { value: "day", label: "Day" },
];

/** The key column's heading. */
export function keyHeading(by: UsageGrouping): string {
  return GROUPINGS.find((g) => g.value === by)?.label ?? "Key";
}

/**
 * A row's key in words: a user's email when known (else the id), "No group" for the calls of
 * users in none, a day with its weekday (UTC), a model's id.
 */
export function rowLabel(by: UsageGrouping, key: string, email?: string, formats: Formats = {}): string {
  if (by === "user") return email ?? key;
  if (by === "group") return key || "No group";
  if (by === "day") return `${dayLabel(key, formats, true)} (${key})`;
  return key;
}

/** The user whose email is exactly `email` (case aside) among those a prefix search found. */
export function userWithEmail<T extends { id: string; email: string }>(users: T[], email: string): T | undefined {
  const wanted = email.trim().toLowerCase();
  return users.find((u) => u.email.toLowerCase() === wanted);
}
