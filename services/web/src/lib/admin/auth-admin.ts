/**
 * The auth service's admin API (`/auth/admin/*`, `/auth/invites`) on the session's API client,
 * which adds the token and refreshes it once on a 401. Every method is one request.
 */
import type { ApiClient } from "../api";
import type {
  AdminUser,
  AdminUserPatch,
  AuditEvent,
  AuditFilters,
  Group,
  Invite,
  InviteCreate,
  NewInvite,
  Page,
  RegistrationMode,
  RegistrationPolicy,
} from "./types";

/** The page size the console asks for (the server allows 1 to 200). */
export const ADMIN_PAGE_SIZE = 50;

const id = encodeURIComponent;

/** A query string of the parameters that are set (empty strings and nulls left out). */
export function queryString(params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(name, String(value));
  }
  return query.size ? `?${query}` : "";
}

export class AuthAdmin {
  constructor(private readonly api: ApiClient) {}

  // -- users

  /** Users whose email starts with `q` (case-insensitive), in email order, a page at a time. */
  listUsers(q: string, cursor: string | null, limit = ADMIN_PAGE_SIZE): Promise<Page<AdminUser>> {
    return this.api.json(`/auth/admin/users${queryString({ q: q.trim(), cursor, limit })}`);
  }

  getUser(userId: string): Promise<AdminUser> {
    return this.api.json(`/auth/admin/users/${id(userId)}`);
  }

  /** Role, active flag and manual groups; refusals: CANNOT_CHANGE_SELF, LAST_ADMIN, UNKNOWN_GROUP. */
  updateUser(userId: string, patch: AdminUserPatch): Promise<AdminUser> {
    return this.api.json(`/auth/admin/users/${id(userId)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }

  /** Mails the user a new confirmation link (409 ALREADY_VERIFIED when there is nothing to confirm). */
  async resendVerification(userId: string): Promise<void> {
    await this.api.request(`/auth/admin/users/${id(userId)}/verification`, { method: "POST" });
  }

  /** Deletes the account and (through the account-changes feed) its chats. */
  async deleteUser(userId: string): Promise<void> {
    await this.api.request(`/auth/admin/users/${id(userId)}`, { method: "DELETE" });
  }

  // -- groups

  async listGroups(): Promise<Group[]> {
    return (await this.api.json<{ items: Group[] }>("/auth/admin/groups")).items;
  }

  /** A new group; `groupId` is its permanent slug (409 GROUP_EXISTS when taken). */
  createGroup(groupId: string, name: string): Promise<Group> {
    return this.api.json("/auth/admin/groups", { method: "POST", body: JSON.stringify({ id: groupId, name }) });
  }

  renameGroup(groupId: string, name: string): Promise<Group> {
    return this.api.json(`/auth/admin/groups/${id(groupId)}`, { method: "PATCH", body: JSON.stringify({ name }) });
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.api.request(`/auth/admin/groups/${id(groupId)}`, { method: "DELETE" });
  }

  groupMembers(groupId: string, cursor: string | null, limit = ADMIN_PAGE_SIZE): Promise<Page<AdminUser>> {
    return this.api.json(`/auth/admin/groups/${id(groupId)}/members${queryString({ cursor, limit })}`);
  }

  /** Makes the user a manual member of the group (nothing changes when they already are). */
  async addMember(groupId: string, userId: string): Promise<void> {
    await this.api.request(`/auth/admin/groups/${id(groupId)}/members/${id(userId)}`, { method: "PUT" });
  }

  async removeMember(groupId: string, userId: string): Promise<void> {
    await this.api.request(`/auth/admin/groups/${id(groupId)}/members/${id(userId)}`, { method: "DELETE" });
  }

  // -- registration and invites

  getRegistration(): Promise<RegistrationPolicy> {
    return this.api.json("/auth/admin/registration");
  }

  putRegistration(mode: RegistrationMode, domains: string[]): Promise<RegistrationPolicy> {
    return this.api.json("/auth/admin/registration", { method: "PUT", body: JSON.stringify({ mode, domains }) });
  }

  listInvites(): Promise<Invite[]> {
    return this.api.json("/auth/invites");
  }

  /** A new invite: its `code` is in this answer only (the server keeps a hash). */
  createInvite(invite: InviteCreate): Promise<NewInvite> {
    return this.api.json("/auth/invites", { method: "POST", body: JSON.stringify(invite) });
  }

  async revokeInvite(inviteId: string): Promise<void> {
    await this.api.request(`/auth/invites/${id(inviteId)}`, { method: "DELETE" });
  }

  // -- audit log

  /** Events newest first, filtered; `cursor` is the previous page's `next_cursor`. */
  audit(filters: AuditFilters, cursor: string | null, limit = ADMIN_PAGE_SIZE): Promise<Page<AuditEvent>> {
    const { actor, target, kind, since, until } = filters;
    const query = queryString({
      actor: actor.trim(),
      target: target.trim(),
      kind: kind.trim(),
      since,
      until,
      cursor,
      limit,
    });
    return this.api.json(`/auth/admin/audit${query}`);
  }
}
