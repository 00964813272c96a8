import { describe, expect, it } from "vitest";

import { pagedItems } from "@/lib/admin/pages";
import type { Page } from "@/lib/admin/types";
import { ApiClient } from "@/lib/api";
import {
  apiBaseUrl,
  ApiKeys,
  curlExample,
  keyBody,
  keyState,
  KeysAdmin,
  type AdminApiKey,
  type ApiKey,
} from "@/lib/api-keys";
import { describeAdminError } from "@/lib/errors";

import { FakeKeysServer } from "./fake-keys";

const NOW = Date.parse("2026-06-01T12:00:00Z");

function clients(server: FakeKeysServer) {
  const api = new ApiClient({
    fetch: server.fetch,
    tokens: { accessToken: () => "session-token", refreshAccessToken: async () => "session-token" },
  });
  return { keys: new ApiKeys(api), admin: new KeysAdmin(api) };
}

function key(extra: Partial<ApiKey> = {}): ApiKey {
  return {
    id: "k",
    name: "script",
    prefix: "pk-parley-abcdefgh",
    created_at: "2026-01-01T00:00:00Z",
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
    ...extra,
  };
}

describe("ApiKeys: a user's own keys", () => {
  it("creates a key whose secret comes back once, then lists it without the secret, newest first", async () => {
    const server = new FakeKeysServer(() => NOW);
    const { keys } = clients(server);
    await keys.create({ name: "first" });
    const made = await keys.create(keyBody({ name: "  laptop script ", days: "30" }, NOW).body!);
    expect(made.key).toMatch(/^pk-parley-/);
    expect(made.prefix).toBe(made.key.slice(0, 18));
    expect(made.expires_at).toBe("2026-07-01T12:00:00.000Z");
    expect(JSON.parse(server.calls("POST", "/api/keys")[1]!.body!)).toEqual({
      name: "laptop script",
      expires_at: "2026-07-01T12:00:00.000Z",
    });
    expect(server.calls("POST", "/api/keys")[1]!.headers.get("Authorization")).toBe("Bearer session-token");

    const listed = await keys.list();
    expect(listed.map((k) => k.name)).toEqual(["laptop script", "first"]);
    expect(JSON.stringify(listed)).not.toContain(made.key);
  });

  it("revokes a key (it stays listed, revoked) and says when the key is not one of the user's", async () => {
    const server = new FakeKeysServer(() => NOW);
    const { keys } = clients(server);
    const made = await keys.create({ name: "ci" });
    await keys.revoke(made.id);
    const [listed] = await keys.list();
    expect(keyState(listed!, NOW)).toBe("revoked");
    expect(server.calls("DELETE", `/api/keys/${made.id}`)).toHaveLength(1);

    server.userId = "someone-else";
    const refused = await keys.revoke(made.id).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 404 });
  });

  it("puts the server's refusal of a 51st key in words", async () => {
    const server = new FakeKeysServer(() => NOW);
    const { keys } = clients(server);
    for (let i = 0; i < 50; i++) await keys.create({ name: `k${i}` });
    const refused = await keys.create({ name: "one too many" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 409, code: "too many keys" });
    expect(describeAdminError(refused)).toBe("You have 50 keys in use already: revoke one you no longer need first.");
  });
});

describe("KeysAdmin: every user's keys", () => {
  it("lists keys a page at a time, one owner's when asked, and revokes any of them", async () => {
    const server = new FakeKeysServer(() => NOW);
    const { keys, admin } = clients(server);
    for (const [user, name] of [["ada", "a1"], ["bob", "b1"], ["ada", "a2"], ["ada", "a3"]] as const) {
      server.userId = user;
      await keys.create({ name });
    }
    const pages: Page<AdminApiKey>[] = [await admin.list(" ada ", null, 2)];
    while (pages.at(-1)!.next_cursor) pages.push(await admin.list("ada", pages.at(-1)!.next_cursor, 2));
    expect(pagedItems(pages).map((k) => `${k.user_id}:${k.name}`)).toEqual(["ada:a3", "ada:a2", "ada:a1"]);
    expect(server.requests.filter((r) => r.path.startsWith("/api/admin/keys"))[0]!.path).toBe("/api/admin/keys?user_id=ada&limit=2");

    const everyone = await admin.list("", null);
    expect(everyone.items.map((k) => k.name)).toEqual(["a3", "a2", "b1", "a1"]);
    await admin.revoke(everyone.items[2]!.id);
    server.userId = "bob";
    expect(keyState((await keys.list())[0]!, NOW)).toBe("revoked");
  });
});

describe("keyBody: the create form's checks", () => {
  it("needs a name of at most 100 printable characters", () => {
    expect(keyBody({ name: "   ", days: "" }, NOW)).toMatchObject({ body: null, error: expect.stringMatching(/name/) });
    expect(keyBody({ name: "x".repeat(101), days: "" }, NOW).error).toMatch(/at most 100/);
    expect(keyBody({ name: "x".repeat(100), days: "" }, NOW).body).toEqual({ name: "x".repeat(100) });
    expect(keyBody({ name: "line\nbreak", days: "" }, NOW).error).toMatch(/control characters/);
    expect(keyBody({ name: "no\u00a0break", days: "" }, NOW).error).toMatch(/special spaces/);
    expect(keyBody({ name: "Zoë's laptop – ünïcode", days: "" }, NOW).body).toEqual({ name: "Zoë's laptop – ünïcode" });
  });

  it("sends no expiry for never, and refuses more than two years or a day count that is not one", () => {
    expect(keyBody({ name: "k", days: "" }, NOW).body).toEqual({ name: "k" });
    expect(keyBody({ name: "k", days: "365" }, NOW).body?.expires_at).toBe("2027-06-01T12:00:00.000Z");
    expect(keyBody({ name: "k", days: "731" }, NOW).error).toMatch(/1 to 730 days/);
    expect(keyBody({ name: "k", days: "0" }, NOW).error).toMatch(/1 to 730 days/);
    expect(keyBody({ name: "k", days: "1.5" }, NOW).error).toMatch(/1 to 730 days/);
  });
});

describe("keyState and the how-to-use block", () => {
  it("tells active, expired and revoked keys apart, revoked first", () => {
    expect(keyState(key(), NOW)).toBe("active");
    expect(keyState(key({ expires_at: "2026-06-02T00:00:00Z" }), NOW)).toBe("active");
    expect(keyState(key({ expires_at: "2026-06-01T11:59:59Z" }), NOW)).toBe("expired");
    expect(keyState(key({ expires_at: "2026-01-02T00:00:00Z", revoked_at: "2026-01-01T10:00:00Z" }), NOW)).toBe("revoked");
  });

  it("names the OpenAI-compatible base URL of this origin and a curl request that uses it", () => {
    expect(apiBaseUrl("https://chat.example.org/")).toBe("https://chat.example.org/api/v1");
    const example = curlExample("https://chat.example.org", "parley-stub");
    expect(example).toContain("curl https://chat.example.org/api/v1/models");
    expect(example).toContain("curl https://chat.example.org/api/v1/chat/completions");
    expect(example).toContain('-H "Authorization: Bearer $PARLEY_API_KEY"');
    expect(example).toContain(`'{"model":"parley-stub","messages":[{"role":"user","content":"Hello"}]}'`);
    expect(curlExample("https://x.org", "it's")).toContain(`"model":"it'\\''s"`);
  });
});
