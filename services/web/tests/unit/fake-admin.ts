/**
 * The admin routes of auth and chat as the contract describes them, in memory: users found by
 * email prefix a page at a time, the self and last-admin refusals, groups and their members,
 * the registration policy, invites whose code is shown once, and chat's catalog models.
 */
import type { AdminUser, CatalogModel, Group, Invite, RegistrationPolicy } from "@/lib/admin/types";

import { FakeServer, json, type Recorded } from "./fake-server";

const noContent = () => new Response(null, { status: 204 });

export function adminUser(email: string, extra: Partial<AdminUser> = {}): AdminUser {
  return {
    id: `id-${email.split("@")[0]}`,
    email,
    pending_email: null,
    is_verified: true,
    role: "member",
    active: true,
    groups: [],
    sso: [],
    created_at: "2025-01-01T00:00:00Z",
    ...extra,
  };
}

export function catalogModel(id: string, groups: string[] = []): CatalogModel {
  return {
    id,
    provider: "stub",
    upstream: id,
    display_name: id,
    context_tokens: 8192,
    max_output_tokens: 1024,
    input_price_per_million: 0,
    output_price_per_million: 0,
    enabled: true,
    default: false,
    usable: true,
    groups,
    source: "api",
  };
}

export class FakeAdminServer extends FakeServer {
  users: AdminUser[] = [];
  groups: Group[] = [];
  models: CatalogModel[] = [];
  invites: (Invite & { code: string })[] = [];
  registration: RegistrationPolicy = { mode: "open", domains: [], conceals_accounts: false, sso_only: false };
  /** The signed-in admin (the self refusals). */
  selfId = "";

  constructor() {
    super();
    this.on("GET", "/auth/admin/users", (r) => this.userPage(r));
    this.on("PATCH", /^\/auth\/admin\/users\/[^/]+$/, (r) => this.patchUser(r));
    this.on("DELETE", /^\/auth\/admin\/users\/[^/]+$/, (r) => {
      const user = this.user(r);
      if (!user) return json(404, { detail: "Not Found" });
      if (user.id === this.selfId) return json(409, { detail: "CANNOT_CHANGE_SELF" });
      this.users = this.users.filter((u) => u !== user);
      return noContent();
    });
    this.on("POST", /^\/auth\/admin\/users\/[^/]+\/verification$/, (r) => {
      const user = this.users.find((u) => r.path.includes(`/users/${u.id}/`));
      if (!user) return json(404, { detail: "Not Found" });
      return user.is_verified ? json(409, { detail: "ALREADY_VERIFIED" }) : new Response(null, { status: 202 });
    });
    this.on("GET", "/auth/admin/groups", () => json(200, { items: this.groups }));
    this.on("POST", "/auth/admin/groups", (r) => {
      const { id, name } = JSON.parse(r.body ?? "{}") as { id: string; name: string };
      if (this.groups.some((g) => g.id === id || g.name === name)) return json(409, { detail: "GROUP_EXISTS" });
      const group = { id, name, members: 0, created_at: "2025-01-02T00:00:00Z" };
      this.groups.push(group);
      return json(201, group);
    });
    this.on("PUT", /^\/auth\/admin\/groups\/[^/]+\/members\/[^/]+$/, (r) => {
      const [, , , , groupId, , userId] = r.path.split("/");
      const user = this.users.find((u) => u.id === userId);
      if (!user || !this.groups.some((g) => g.id === groupId)) return json(404, { detail: "Not Found" });
      if (!user.groups.includes(groupId!)) user.groups = [...user.groups, groupId!].sort();
      return noContent();
    });
    this.on("DELETE", /^\/auth\/admin\/groups\/[^/]+\/members\/[^/]+$/, (r) => {
      const [, , , , groupId, , userId] = r.path.split("/");
      const user = this.users.find((u) => u.id === userId);
      if (user) user.groups = user.groups.filter((g) => g !== groupId);
      return noContent();
    });
    this.on("GET", "/auth/admin/registration", () => json(200, this.registration));
    this.on("PUT", "/auth/admin/registration", (r) => {
      const { mode, domains } = JSON.parse(r.body ?? "{}") as RegistrationPolicy;
      this.registration = { ...this.registration, mode, domains };
      return json(200, this.registration);
    });
    // The code is only in the answer to its creation.
    this.on("GET", "/auth/invites", () =>
      json(200, this.invites.map((invite) => Object.fromEntries(Object.entries(invite).filter(([key]) => key !== "code")))),
    );
    this.on("POST", "/auth/invites", (r) => {
      const body = JSON.parse(r.body ?? "{}") as { note?: string; max_uses?: number };
      const invite = {
        id: `inv-${this.invites.length + 1}`,
        note: body.note ?? null,
        expires_at: null,
        max_uses: body.max_uses ?? 1,
        uses: 0,
        created_at: "2025-01-03T00:00:00Z",
        code: `code-${this.invites.length + 1}`,
      };
      this.invites.push(invite);
      return json(201, invite);
    });
    this.on("GET", "/api/admin/models", () => json(200, { items: this.models }));
    this.on("PATCH", /^\/api\/admin\/models\/[^/]+$/, (r) => {
      const model = this.models.find((m) => r.path.endsWith(`/models/${m.id}`));
      if (!model) return json(404, { detail: "model not found" });
      if (model.source !== "api") return json(409, { detail: "managed_by_file" });
      Object.assign(model, JSON.parse(r.body ?? "{}"));
      return json(200, model);
    });
    this.on("DELETE", /^\/api\/admin\/providers\/[^/]+$/, (r) => {
      const id = r.path.split("/").at(-1);
      return json(409, { detail: `provider '${id}' is used by models ['${id}-model']` });
    });
  }

  private user(r: Recorded): AdminUser | undefined {
    return this.users.find((u) => r.path.split("?")[0]!.endsWith(`/users/${u.id}`));
  }

  /** Keyset paging by email: the cursor is the last email of the page before (opaque to the client). */
  private userPage(r: Recorded) {
    const query = new URL(r.path, "http://x").searchParams;
    const q = (query.get("q") ?? "").toLowerCase();
    const after = query.get("cursor") ? atob(query.get("cursor")!) : "";
    const limit = Number(query.get("limit") ?? 50);
    const matching = [...this.users].sort((a, b) => a.email.localeCompare(b.email)).filter((u) => u.email.toLowerCase().startsWith(q));
    const items = matching.filter((u) => u.email > after).slice(0, limit);
    const more = matching.filter((u) => u.email > after).length > limit;
    return json(200, { items, next_cursor: more ? btoa(items.at(-1)!.email) : null, total: matching.length });
  }

  private patchUser(r: Recorded) {
    const user = this.user(r);
    if (!user) return json(404, { detail: "Not Found" });
    const patch = JSON.parse(r.body ?? "{}") as Partial<AdminUser>;
    const demotes = patch.role === "member" || patch.active === false;
    if (demotes && user.id === this.selfId) return json(409, { detail: "CANNOT_CHANGE_SELF" });
    const admins = this.users.filter((u) => u.role === "admin" && u.active);
    if (demotes && user.role === "admin" && admins.length === 1) return json(409, { detail: "LAST_ADMIN" });
    if (patch.groups?.some((g) => !this.groups.some((known) => known.id === g))) {
      return json(422, { detail: "UNKNOWN_GROUP" });
    }
    Object.assign(user, patch);
    return json(200, user);
  }
}
