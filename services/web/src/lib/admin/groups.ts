/**
 * Groups in the console: a new group's id (a permanent slug) and name, a user's memberships as
 * adds and removes, and which catalog models a group may use. Pure.
 */
import type { CatalogModel, Group } from "./types";

/** The auth service's rule for group ids: tokens, the feed and the catalog name groups by it. */
export const GROUP_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const GROUP_NAME_MAX = 100;

/** A slug for a group's name ("Research & Development" -> "research-development"), maybe empty. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // the accents NFKD split off
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-_]+/, "")
    .slice(0, 64)
    .replace(/[-_]+$/, "");
}

export function validateGroupId(id: string): string | null {
  if (!id) return "Enter an id";
  if (!GROUP_ID_PATTERN.test(id)) {
    return "Lower-case letters, digits, - and _ only (64 at most), starting with a letter or digit";
  }
  return null;
}

export function validateGroupName(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return "Enter a name";
  if (trimmed.length > GROUP_NAME_MAX) return `${GROUP_NAME_MAX} characters at most`;
  return null;
}

/** A group's display name, or its slug when the list does not have it (SSO-made, deleted). */
export function groupLabel(groups: Group[] | undefined, slug: string): string {
  return groups?.find((g) => g.id === slug)?.name ?? slug;
}

/** The memberships to add and to remove to go from `before` to `after`. */
export interface MembershipChange {
  add: string[];
  remove: string[];
}

export function membershipChange(before: string[], after: string[]): MembershipChange {
  const had = new Set(before);
  const wants = new Set(after);
  return {
    add: [...wants].filter((g) => !had.has(g)).sort(),
    remove: [...had].filter((g) => !wants.has(g)).sort(),
  };
}

/** Whether a group's members may use a model: every user may use a model without groups. */
export type GroupAccess = "everyone" | "allowed" | "not_allowed";

export function groupAccess(model: Pick<CatalogModel, "groups">, slug: string): GroupAccess {
  if (model.groups.length === 0) return "everyone";
  return model.groups.includes(slug) ? "allowed" : "not_allowed";
}

/**
 * The model's new `groups` when the group is allowed or not. Two changes reach beyond this
 * group, so the console asks first: allowing an open model restricts it to this group
 * (`restricts`), and taking away its last group opens it to everyone (`opens`).
 */
export interface AccessChange {
  groups: string[];
  effect: "none" | "plain" | "restricts" | "opens";
}

export function accessChange(model: Pick<CatalogModel, "groups">, slug: string, allow: boolean): AccessChange {
  const current = [...model.groups].sort();
  if (allow) {
    if (current.includes(slug)) return { groups: current, effect: "none" };
    return { groups: [...current, slug].sort(), effect: current.length === 0 ? "restricts" : "plain" };
  }
  if (!current.includes(slug)) return { groups: current, effect: "none" };
  const groups = current.filter((g) => g !== slug);
  return { groups, effect: groups.length === 0 ? "opens" : "plain" };
}

/** The models a group's members may use: those allowed to it, then those open to everyone. */
export function modelsForGroup(models: CatalogModel[], slug: string): { allowed: CatalogModel[]; everyone: CatalogModel[] } {
  return {
    allowed: models.filter((m) => groupAccess(m, slug) === "allowed"),
    everyone: models.filter((m) => groupAccess(m, slug) === "everyone"),
  };
}
