/**
 * Chat's API key routes as the contract describes them, in memory: a user's own keys (the
 * secret only in the answer to a creation, 50 unrevoked at most, 404 for another's key) and
 * the admin list (filtered by owner, a page at a time) and revoke.
 */
import type { AdminApiKey, ApiKey } from "@/lib/api-keys";

import { FakeServer, json, type Recorded } from "./fake-server";

const TWO_YEARS_MS = 2 * 366 * 86_400_000;

type Stored = AdminApiKey & { secret: string; revoked_by: string | null };

/** `ApiKeyOut`: what a user sees of a key. */
function out(key: Stored): ApiKey {
  const { id, name, prefix, created_at, expires_at, last_used_at, revoked_at } = key;
  return { id, name, prefix, created_at, expires_at, last_used_at, revoked_at };
}

export class FakeKeysServer extends FakeServer {
  keys: Stored[] = [];
  /** Whose token the requests carry. */
  userId = "user-1";
  private counter = 0;

  constructor(private readonly now = () => Date.now()) {
    super();
    this.on("GET", "/api/keys", () => json(200, { items: this.own().map(out) }));
    this.on("POST", "/api/keys", (r) => this.create(r));
    this.on("DELETE", /^\/api\/keys\/[^/]+$/, (r) => {
      const key = this.own().find((k) => r.path.endsWith(`/${k.id}`));
      return key ? this.revoke(key, this.userId) : json(404, { detail: "Not Found" });
    });
    this.on("GET", "/api/admin/keys", (r) => this.adminPage(r));
    this.on("DELETE", /^\/api\/admin\/keys\/[^/]+$/, (r) => {
      const key = this.keys.find((k) => r.path.endsWith(`/${k.id}`));
      return key ? this.revoke(key, "admin") : json(404, { detail: "Not Found" });
    });
  }

  /** This user's keys, newest first. */
  private own() {
    return this.newestFirst().filter((k) => k.user_id === this.userId);
  }

  private newestFirst() {
    return [...this.keys].sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  private create(r: Recorded): Response {
    const body = JSON.parse(r.body ?? "{}") as { name?: string; expires_at?: string };
    const name = body.name?.trim() ?? "";
    if (!name || name.length > 100) return json(422, { detail: [{ loc: ["body", "name"], msg: "Invalid name" }] });
    if (body.expires_at !== undefined) {
      const at = Date.parse(body.expires_at);
      if (Number.isNaN(at) || at <= this.now() || at > this.now() + TWO_YEARS_MS) {
        return json(422, { detail: "expires_at must be in the future and at most two years away" });
      }
    }
    if (this.own().filter((k) => !k.revoked_at).length >= 50) return json(409, { detail: "too many keys" });
    this.counter += 1;
    const secret = `pk-parley-${String(this.counter).padStart(8, "0")}${"x".repeat(32)}`;
    const key: Stored = {
      id: `key-${this.counter}`,
      user_id: this.userId,
      name,
      prefix: secret.slice(0, 18),
      created_at: new Date(this.now() + this.counter).toISOString(),
      expires_at: body.expires_at ?? null,
      last_used_at: null,
      revoked_at: null,
      secret,
      revoked_by: null,
    };
    this.keys.push(key);
    return json(201, { ...out(key), key: secret });
  }

  private revoke(key: Stored, by: string): Response {
    if (!key.revoked_at) {
      key.revoked_at = new Date(this.now()).toISOString();
      key.revoked_by = by;
    }
    return new Response(null, { status: 204 });
  }

  private adminPage(r: Recorded): Response {
    const url = new URL(r.path, "http://parley.test");
    const userId = url.searchParams.get("user_id");
    const limit = Number(url.searchParams.get("limit") ?? 50);
    const start = Number(url.searchParams.get("cursor") ?? 0);
    const all = this.newestFirst().filter((k) => !userId || k.user_id === userId);
    const items = all.slice(start, start + limit).map((key) => ({ ...out(key), user_id: key.user_id }));
    const next = start + limit < all.length ? String(start + limit) : null;
    return json(200, { items, next_cursor: next });
  }
}
