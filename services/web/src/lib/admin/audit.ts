/** The audit log page: its filters to the API's query and back, and an event in words. Pure. */
import type { AuditEvent, AuditFilters } from "./types";

export const NO_FILTERS: AuditFilters = { actor: "", target: "", kind: "", since: "", until: "" };

/** Kinds to pick from (a prefix ending in "." takes every kind under it); any kind can be typed. */
export const KIND_CHOICES: { value: string; label: string }[] = [
  { value: "", label: "Any kind" },
  { value: "login.", label: "Logins (login.*)" },
  { value: "user.", label: "Users (user.*)" },
  { value: "group.", label: "Groups (group.*)" },
  { value: "sso.", label: "Single sign-on (sso.*)" },
  { value: "invite.", label: "Invites (invite.*)" },
  { value: "registration.changed", label: "Registration policy" },
  { value: "password.", label: "Passwords (password.*)" },
  { value: "email.", label: "Emails (email.*)" },
  { value: "catalog.", label: "Models and providers (catalog.*)" },
];

/**
 * A `datetime-local` input's value ("2025-03-01T14:30", the browser's time zone) as an RFC 3339
 * instant for the API; empty stays empty, nonsense becomes null.
 */
export function instantOf(local: string, toDate = (s: string) => new Date(s)): string | null {
  if (!local.trim()) return "";
  const date = toDate(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The form (local times) to the filters the API takes; an error names a time that is not one. */
export function auditFilters(form: AuditFilters):
  | { filters: AuditFilters; error: null }
  | { filters: null; error: string } {
  const since = instantOf(form.since);
  const until = instantOf(form.until);
  if (since === null) return { filters: null, error: "“From” is not a date and time" };
  if (until === null) return { filters: null, error: "“Until” is not a date and time" };
  if (since && until && since >= until) return { filters: null, error: "“From” must be before “Until”" };
  return {
    filters: { actor: form.actor.trim(), target: form.target.trim(), kind: form.kind.trim(), since, until },
    error: null,
  };
}

/** Who did it: the email kept with the event (it outlives the account), else the id, else the system. */
export function actorLabel(event: AuditEvent): string {
  return event.actor_email ?? event.actor_id ?? "system";
}

/**
 * What it was done to: its kind and name ("user ada@example.com", "group research"), and its
 * id when that differs from the name (the Target filter takes the id).
 */
export function targetLabel(event: AuditEvent): { name: string; id: string | null } {
  const name = event.target_label ?? event.target_id;
  if (!event.target_type && !name) return { name: "", id: null };
  return {
    name: [event.target_type, name].filter(Boolean).join(" "),
    id: event.target_id && event.target_id !== name ? event.target_id : null,
  };
}

/** The event's detail as short "key: value" pairs (nested values as JSON). */
export function detailPairs(detail: Record<string, unknown>): string[] {
  return Object.entries(detail).map(
    ([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
}
