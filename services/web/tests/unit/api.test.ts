import { describe, expect, it } from "vitest";

import { ApiClient, type TokenSource } from "@/lib/api";

import { FakeServer, json } from "./fake-server";

/** Tokens as the auth session hands them out: `current` until a refresh gives `fresh`. */
function tokenSource(initial: string | null, refreshed: string | null) {
  let current = initial;
  let refreshes = 0;
  const source: TokenSource = {
    accessToken: () => current,
    refreshAccessToken: async () => {
      refreshes += 1;
      current = refreshed;
      return refreshed;
    },
  };
  return { source, refreshes: () => refreshes };
}

describe("ApiClient", () => {
  it("sends the bearer token", async () => {
    const server = new FakeServer().on("GET", "/api/chats", () => json(200, { items: [], next_cursor: null }));
    const tokens = tokenSource("t1", "t2");
    const api = new ApiClient({ fetch: server.fetch, tokens: tokens.source });
    await api.listChats(null, 20);
    expect(server.requests[0]!.path).toBe("/api/chats?limit=20");
    expect(server.requests[0]!.headers.get("Authorization")).toBe("Bearer t1");
    expect(tokens.refreshes()).toBe(0);
  });

  it("reads a chat's newest page unasked, and the page before with its cursor", async () => {
    const server = new FakeServer().on("GET", /^\/api\/chats\/c1$/, () => json(200, { id: "c1", messages: [] }));
    const api = new ApiClient({ fetch: server.fetch, tokens: tokenSource("t1", "t2").source });
    await api.getChat("c1");
    await api.getChat("c1", "dHVybjo1MA", 20);
    expect(server.requests.map((r) => r.path)).toEqual(["/api/chats/c1", "/api/chats/c1?before=dHVybjo1MA&limit=20"]);
  });

  it("on a 401 refreshes once and retries once with the new token", async () => {
    const server = new FakeServer().on("GET", /^\/api\/chats\/c1$/, (r) =>
      r.headers.get("Authorization") === "Bearer fresh" ? json(200, { id: "c1", messages: [] }) : json(401, { detail: "Token expired" }),
    );
    const tokens = tokenSource("stale", "fresh");
    const api = new ApiClient({ fetch: server.fetch, tokens: tokens.source });
    await expect(api.getChat("c1")).resolves.toMatchObject({ id: "c1" });
    expect(tokens.refreshes()).toBe(1);
    expect(server.requests.map((r) => r.headers.get("Authorization"))).toEqual(["Bearer stale", "Bearer fresh"]);
  });

  it("gives up after one retry: a second 401 is an error, not a loop", async () => {
    const server = new FakeServer().on("GET", "/api/chats", () => json(401, { detail: "Token invalid" }));
    const tokens = tokenSource("a", "b");
    const api = new ApiClient({ fetch: server.fetch, tokens: tokens.source });
    await expect(api.listChats(null)).rejects.toMatchObject({ status: 401 });
    expect(server.requests).toHaveLength(2);
    expect(tokens.refreshes()).toBe(1);
  });

  it("does not retry when the session cannot be refreshed", async () => {
    const server = new FakeServer().on("GET", "/api/chats", () => json(401, { detail: "Token expired" }));
    const tokens = tokenSource("a", null);
    const api = new ApiClient({ fetch: server.fetch, tokens: tokens.source });
    await expect(api.listChats(null)).rejects.toMatchObject({ status: 401, code: "NOT_AUTHENTICATED" });
    expect(server.requests).toHaveLength(1);
  });

  it("refreshes first when it holds no token (expired or after a reload)", async () => {
    const server = new FakeServer().on("DELETE", /^\/api\/chats\/c1$/, () => new Response(null, { status: 204 }));
    const tokens = tokenSource(null, "fresh");
    const api = new ApiClient({ fetch: server.fetch, tokens: tokens.source });
    await api.deleteChat("c1");
    expect(server.requests.map((r) => r.headers.get("Authorization"))).toEqual(["Bearer fresh"]);
  });

  it("turns error responses into readable errors and does not refresh on them", async () => {
    const server = new FakeServer()
      .on("GET", /^\/api\/chats\/gone$/, () => json(404, { detail: "Chat not found" }))
      .on("POST", /\/messages$/, () => json(409, { detail: "RUN_IN_PROGRESS" }))
      .on("PATCH", /^\/api\/chats\/c1$/, () => json(422, { detail: [{ loc: ["body", "title"], msg: "String should have at most 200 characters" }] }))
      .on("GET", "/api/chats", () => new Response("Too Many Requests", { status: 429, headers: { "Retry-After": "4" } }));
    const tokens = tokenSource("t", "t2");
    const api = new ApiClient({ fetch: server.fetch, tokens: tokens.source });
    await expect(api.getChat("gone")).rejects.toMatchObject({ status: 404, code: "Chat not found" });
    await expect(api.sendMessage("c1", "hi")).rejects.toMatchObject({ status: 409, code: "RUN_IN_PROGRESS" });
    await expect(api.renameChat("c1", "x".repeat(300))).rejects.toMatchObject({ status: 422, message: "String should have at most 200 characters" });
    await expect(api.listChats(null)).rejects.toMatchObject({ status: 429, message: "Too many attempts, try again in 4 s" });
    expect(tokens.refreshes()).toBe(0);
  });

  it("reports an unreachable server as a network error", async () => {
    const api = new ApiClient({
      fetch: () => Promise.reject(new TypeError("Failed to fetch")),
      tokens: tokenSource("t", "t").source,
    });
    await expect(api.listChats(null)).rejects.toMatchObject({ status: 0, code: "NETWORK" });
  });

  it("creates a chat with a model, changes a chat's model, lists the models, sends a turn's model", async () => {
    const server = new FakeServer()
      .on("POST", "/api/chats", () => json(201, { id: "c1", title: null, model: "big" }))
      .on("PATCH", /^\/api\/chats\/c1$/, () => json(200, { id: "c1", model: null }))
      .on("GET", "/api/models", () => json(200, { items: [], default_model: null }))
      .on("POST", /\/messages$/, () => new Response("", { status: 200 }));
    const api = new ApiClient({ fetch: server.fetch, tokens: tokenSource("t", "t").source });
    await api.createChat({ model: "big" });
    await api.createChat();
    await api.setChatModel("c1", "small");
    await api.setChatModel("c1", null);
    await api.listModels();
    await api.sendMessage("c1", "hi", undefined, "big");
    await api.sendMessage("c1", "hi");
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.body ?? ""}`)).toEqual([
      'POST /api/chats {"model":"big"}',
      "POST /api/chats {}",
      'PATCH /api/chats/c1 {"model":"small"}',
      'PATCH /api/chats/c1 {"model":null}',
      "GET /api/models ",
      'POST /api/chats/c1/messages {"content":"hi","model":"big"}',
      'POST /api/chats/c1/messages {"content":"hi"}',
    ]);
  });

  it("ends the session at once when chat says the account is deactivated (no refresh: it would fail too)", async () => {
    const server = new FakeServer().on("POST", /\/messages$/, () => json(401, { detail: "account deactivated" }));
    const tokens = tokenSource("t", "t");
    let deactivated = 0;
    const api = new ApiClient({
      fetch: server.fetch,
      tokens: { ...tokens.source, accountDeactivated: () => void (deactivated += 1) },
    });
    const refused = await api.sendMessage("c1", "hi").catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 401, code: "account deactivated", message: expect.stringMatching(/deactivated/) });
    expect(deactivated).toBe(1);
    expect(tokens.refreshes()).toBe(0);
    expect(server.requests).toHaveLength(1);
  });
});
