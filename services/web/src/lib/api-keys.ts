/**
 * API keys (chat's `/api/keys`, and `/api/admin/keys` for the console) on the session's API
 * client, and the pure parts of their pages: the create form's checks, a key's state, the
 * "how to use" snippet. The secret comes back once, in the answer to its creation.
 */
import type { ApiClient } from "./api";
import type { Page } from "./admin/types";

/** `ApiKeyOut`: a key as lists show it (never its secret). */
export interface ApiKey {
  id: string;
  name: string;
  /** `pk-parley-` and the next 8 characters: enough to tell keys apart. */
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The answer to a creation: the key and, this once, its secret. */
export interface NewApiKey extends ApiKey {
  key: string;
}

/** A key as the console lists it: whose it is too. */
export interface AdminApiKey extends ApiKey {
  user_id: string;
}

/** `POST /api/keys`. */
export interface ApiKeyBody {
  name: string;
  expires_at?: string;
}

const id = encodeURIComponent;

/** The signed-in user's own keys. A key cannot manage keys: these need the session's token. */
export class ApiKeys {
  constructor(private readonly api: ApiClient) {}

  /** Newest first; revoked ones stay listed for 30 days. */
  async list(): Promise<ApiKey[]> {
    return (await this.api.json<{ items: ApiKey[] }>("/api/keys")).items;
  }

  /** Refused (409 "too many keys") past 50 keys that are not revoked. */
  create(body: ApiKeyBody): Promise<NewApiKey> {
    return this.api.json("/api/keys", { method: "POST", body: JSON.stringify(body) });
  }

  /** The key stops working at once. */
  async revoke(keyId: string): Promise<void> {
    await this.api.request(`/api/keys/${id(keyId)}`, { method: "DELETE" });
  }
}

/** Every user's keys, for admins. */
export class KeysAdmin {
  constructor(private readonly api: ApiClient) {}

  /** A page of keys, newest first; only this user's when `userId` is given. */
  list(userId: string, cursor: string | null, limit = 50): Promise<Page<AdminApiKey>> {
    const query = new URLSearchParams();
    if (userId.trim()) query.set("user_id", userId.trim());
    if (cursor) query.set("cursor", cursor);
    query.set("limit", String(limit));
    return this.api.json(`/api/admin/keys?${query}`);
  }

  async revoke(keyId: string): Promise<void> {
    await this.api.request(`/api/admin/keys/${id(keyId)}`, { method: "DELETE" });
  }
}

export type KeyState = "active" | "expired" | "revoked";

/** Whether the key still works: revoked wins over expired. */
export function keyState(key: ApiKey, now = Date.now()): KeyState {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && Date.parse(key.expires_at) <= now) return "expired";
  return "active";
}

/** The expiry choices of the create form: days from now, "" for never. */
export const EXPIRY_CHOICES = [
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "", label: "Never" },
] as const;

/** The server refuses an expiry more than two years ahead. */
export const MAX_EXPIRY_DAYS = 730;
export const MAX_NAME_LENGTH = 100;

export type KeyForm = { name: string; days: string };

/** The create form's body, or why it cannot be sent (the server's rules, checked first here). */
export function keyBody(form: KeyForm, now = Date.now()): { body: ApiKeyBody; error: null } | { body: null; error: string } {
  const name = form.name.trim();
  if (!name) return { body: null, error: "Give the key a name, so you know later what uses it." };
  if (name.length > MAX_NAME_LENGTH) return { body: null, error: `The name can have at most ${MAX_NAME_LENGTH} characters.` };
  // The server takes printable characters only (Python's rule: no controls, and of the
  // separators only the plain space).
  if (/(?! )[\p{C}\p{Z}]/u.test(name)) {
    return { body: null, error: "The name cannot hold tabs, line breaks, special spaces or other control characters." };
  }
  const days = form.days.trim();
  if (!days) return { body: { name }, error: null };
  const count = Number(days);
  if (!Number.isInteger(count) || count < 1 || count > MAX_EXPIRY_DAYS) {
    return { body: null, error: `The key can be valid for 1 to ${MAX_EXPIRY_DAYS} days.` };
  }
  return { body: { name, expires_at: new Date(now + count * 86_400_000).toISOString() }, error: null };
}

/** Where OpenAI-compatible clients send their requests on this server. */
export function apiBaseUrl(origin: string): string {
  return `${origin.replace(/\/+$/, "")}/api/v1`;
}

/**
 * Requests anyone can paste into a terminal: the models the key may use, then a reply from one
 * (`model`, a catalog id; the first of the user's models when known).
 */
export function curlExample(origin: string, model = "MODEL_ID", key = "$PARLEY_API_KEY"): string {
  const base = apiBaseUrl(origin);
  const body = JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }] });
  return [
    `curl ${base}/models \\`,
    `  -H "Authorization: Bearer ${key}"`,
    "",
    `curl ${base}/chat/completions \\`,
    `  -H "Authorization: Bearer ${key}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '${body.replaceAll("'", "'\\''")}'`,
  ].join("\n");
}
