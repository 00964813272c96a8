import { describe, expect, it } from "vitest";

import { AuthAdmin, queryString } from "@/lib/admin/auth-admin";
import { CatalogAdmin } from "@/lib/admin/catalog-admin";
import { NO_FILTERS } from "@/lib/admin/audit";
import { pagedItems } from "@/lib/admin/pages";
import type { AdminUser, Page } from "@/lib/admin/types";
import { ApiClient } from "@/lib/api";
import { describeAdminError } from "@/lib/errors";

import { adminUser, catalogModel, FakeAdminServer } from "./fake-admin";
import { json } from "./fake-server";

function clients(server: FakeAdminServer) {
  const api = new ApiClient({
    fetch: server.fetch,
    tokens: { accessToken: () => "admin-token", refreshAccessToken: async () => "admin-token" },
  });
  return { auth: new AuthAdmin(api), catalog: new CatalogAdmin(api) };
}

function withUsers(emails: string[]): FakeAdminServer {
  const server = new FakeAdminServer();
  server.users = emails.map((email) => adminUser(email));
  return server;
}

describe("AuthAdmin: users", () => {
  it("finds users by email prefix, whatever the case, and loads more a page at a time", async () => {
    const server = withUsers(["ada@x.org", "adam@x.org", "adele@x.org", "bob@x.org", "adrian@x.org"]);
    const { auth } = clients(server);
    const pages: Page<AdminUser>[] = [await auth.listUsers("  AD ", null, 2)];
    while (pages.at(-1)!.next_cursor) pages.push(await auth.listUsers("AD", pages.at(-1)!.next_cursor, 2));
    expect(pagedItems(pages).map((u) => u.email)).toEqual(["ada@x.org", "adam@x.org", "adele@x.org", "adrian@x.org"]);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.total).toBe(4);
    expect(server.requests[0]!.path).toBe("/auth/admin/users?q=AD&limit=2");
  });

  it("changes a role, and says why the server refused to demote the last admin or oneself", async () => {
    const server = withUsers(["ada@x.org", "bob@x.org"]);
    server.users[0]!.role = "admin";
    server.selfId = server.users[0]!.id;
    const { auth } = clients(server);
    const bob = server.users[1]!;
    await expect(auth.updateUser(bob.id, { role: "admin" })).resolves.toMatchObject({ role: "admin" });
    expect(JSON.parse(server.calls("PATCH", `/auth/admin/users/${bob.id}`)[0]!.body!)).toEqual({ role: "admin" });

    const self = await auth.updateUser(server.selfId, { active: false }).catch((e: unknown) => e);
    expect(describeAdminError(self)).toBe("You cannot do that to your own account: ask another administrator.");
    server.selfId = "someone-else";
    await auth.updateUser(bob.id, { active: false });
    const last = await auth.updateUser(server.users[0]!.id, { role: "member" }).catch((e: unknown) => e);
    expect(last).toMatchObject({ status: 409, code: "LAST_ADMIN" });
    expect(describeAdminError(last)).toMatch(/last active administrator/);
  });

  it("resends a verification mail, and says when there is nothing to confirm", async () => {
    const server = withUsers(["new@x.org", "old@x.org"]);
    server.users[0]!.is_verified = false;
    const { auth } = clients(server);
    await expect(auth.resendVerification(server.users[0]!.id)).resolves.toBeUndefined();
    const again = await auth.resendVerification(server.users[1]!.id).catch((e: unknown) => e);
    expect(describeAdminError(again)).toBe("This user has confirmed their email already.");
  });

  it("deletes a user (never oneself)", async () => {
    const server = withUsers(["ada@x.org", "bob@x.org"]);
    server.selfId = server.users[0]!.id;
    const { auth } = clients(server);
    await auth.deleteUser(server.users[1]!.id);
    expect(server.users.map((u) => u.email)).toEqual(["ada@x.org"]);
    await expect(auth.deleteUser(server.selfId)).rejects.toMatchObject({ code: "CANNOT_CHANGE_SELF" });
  });
});

describe("AuthAdmin: groups, registration, invites, audit", () => {
  it("creates a group, refuses a taken id, and adds and removes members", async () => {
    const server = withUsers(["ada@x.org"]);
    const { auth } = clients(server);
    await expect(auth.createGroup("research", "Research")).resolves.toMatchObject({ id: "research", members: 0 });
    const taken = await auth.createGroup("research", "Other").catch((e: unknown) => e);
    expect(describeAdminError(taken)).toBe("A group with that id or name exists already.");
    const ada = server.users[0]!;
    await auth.addMember("research", ada.id);
    expect(ada.groups).toEqual(["research"]);
    await auth.removeMember("research", ada.id);
    expect(ada.groups).toEqual([]);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toContain(`PUT /auth/admin/groups/research/members/${ada.id}`);
  });

  it("saves the registration policy, and shows a new invite's code once", async () => {
    const server = new FakeAdminServer();
    const { auth } = clients(server);
    await expect(auth.putRegistration("domains", ["example.com"])).resolves.toMatchObject({ mode: "domains", domains: ["example.com"] });
    const made = await auth.createInvite({ note: "for Ada", max_uses: 1 });
    expect(made.code).toBe("code-1");
    const listed = await auth.listInvites();
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty("code");
  });

  it("asks the audit log only for the filters that are set", async () => {
    const server = new FakeAdminServer().on("GET", "/auth/admin/audit", () => json(200, { items: [], next_cursor: null }));
    const { auth } = clients(server);
    await auth.audit({ ...NO_FILTERS, kind: "login.", actor: " ada@x.org " }, "c2", 50);
    expect(server.requests[0]!.path).toBe("/auth/admin/audit?actor=ada%40x.org&kind=login.&cursor=c2&limit=50");
    expect(queryString({ a: "", b: null, c: undefined })).toBe("");
  });
});

describe("CatalogAdmin", () => {
  it("restricts a model to groups with one PATCH of its groups", async () => {
    const server = new FakeAdminServer();
    server.models = [catalogModel("team-model")];
    const { catalog } = clients(server);
    await expect(catalog.setModelGroups("team-model", ["research"])).resolves.toMatchObject({ groups: ["research"] });
    expect(server.calls("PATCH", "/api/admin/models/team-model")[0]!.body).toBe('{"groups":["research"]}');
    expect((await catalog.listModels())[0]!.groups).toEqual(["research"]);
  });

  it("shows the catalog's refusals as the sentences chat writes", async () => {
    const server = new FakeAdminServer();
    server.models = [{ ...catalogModel("from-file"), source: "file" }];
    const { catalog } = clients(server);
    const fileManaged = await catalog.setModelGroups("from-file", ["x"]).catch((e: unknown) => e);
    expect(describeAdminError(fileManaged)).toBe("The catalog file (or the LLM_* settings) defines this entry: change it there.");
    const inUse = await catalog.deleteProvider("stub").catch((e: unknown) => e);
    expect(describeAdminError(inUse)).toBe("Provider 'stub' is used by models ['stub-model'].");
  });
});
