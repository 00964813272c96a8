/** Who may open the admin console, and the account's role and groups as /settings shows them. Pure. */
import type { Role, User } from "../types";

/** The account's role: `role` from the auth service, else (an older one) its superuser flag. */
export function roleOf(user: Pick<User, "role" | "is_superuser">): Role {
  if (user.role === "admin" || user.role === "member") return user.role;
  return user.is_superuser ? "admin" : "member";
}

/** Admins get the /admin console and its link; members a "not allowed" page. */
export function isAdmin(user: Pick<User, "role" | "is_superuser"> | null | undefined): boolean {
  return !!user && roleOf(user) === "admin";
}

export const ROLE_LABELS: Record<Role, string> = { admin: "Administrator", member: "Member" };

/** The account's group slugs, sorted; none when the server does not say. */
export function groupsOf(user: Pick<User, "groups">): string[] {
  return [...(user.groups ?? [])].sort();
}
