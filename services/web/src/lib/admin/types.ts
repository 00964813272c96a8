/** Shapes of the admin APIs: auth's `/auth/admin/*` and `/auth/invites`, chat's `/api/admin/*`. */
import type { Role } from "../types";

/** A keyset page (users, a group's members): `next_cursor` null on the last one. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  /** How many there are in all; null when the server would take too long to count. */
  total?: number | null;
}

/** `AdminUserRead`. */
export interface AdminUser {
  id: string;
  email: string;
  pending_email: string | null;
  is_verified: boolean;
  role: Role;
  active: boolean;
  /** Every group the account is in (manual and from single sign-on). */
  groups: string[];
  /** The single sign-on providers the account is linked to. */
  sso: string[];
  created_at: string;
}

/** `PATCH /auth/admin/users/{id}`: `groups` is the full list of MANUAL memberships. */
export interface AdminUserPatch {
  role?: Role;
  active?: boolean;
  groups?: string[];
}

/** `GroupRead`. */
export interface Group {
  id: string;
  name: string;
  members: number;
  created_at: string;
}

export type RegistrationMode = "open" | "domains" | "invite" | "closed";

export interface RegistrationPolicy {
  mode: RegistrationMode;
  domains: string[];
  /** Read-only: registration answers the same whether an address has an account or not. */
  conceals_accounts: boolean;
  /** Read-only, from the environment: only single sign-on, no passwords. */
  sso_only: boolean;
}

/** `InviteRead`; the code itself is only in the answer to its creation (`NewInvite`). */
export interface Invite {
  id: string;
  note: string | null;
  expires_at: string | null;
  max_uses: number;
  uses: number;
  created_at: string;
}

export interface NewInvite extends Invite {
  code: string;
}

export interface InviteCreate {
  note?: string | null;
  expires_in_days?: number | null;
  max_uses?: number;
}

/** `AuditEventRead`: one row of the audit log. */
export interface AuditEvent {
  id: number;
  at: string;
  kind: string;
  actor_id: string | null;
  actor_email: string | null;
  target_type: string | null;
  target_id: string | null;
  target_label: string | null;
  client_ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

/** The audit log's filters, as the page's form holds them (empty: no filter). */
export interface AuditFilters {
  /** A user id or an email (exact). */
  actor: string;
  /** A target id (a user id, a group slug, a model id...). */
  target: string;
  /** An exact kind, or a prefix ending in "." (`login.`). */
  kind: string;
  /** RFC 3339 instants, or empty. */
  since: string;
  until: string;
}

// -- chat's catalog (services/chat/parley_chat/catalog/api.py)

export type ProviderKind = "openai" | "azure" | "ollama" | "vllm" | "llamacpp" | "litellm" | "openrouter" | "other";
export type KeySource = "none" | "env" | "file" | "stored";
/** Where an entry is defined: only "api" entries can be changed through the API. */
export type EntrySource = "file" | "settings" | "api";

/** `ProviderOut`: the key itself never comes back, only where it is read from. */
export interface Provider {
  id: string;
  kind: ProviderKind;
  base_url: string;
  key_source: KeySource;
  api_key_set: boolean;
  api_key_env: string | null;
  api_key_file: string | null;
  timeout_seconds: number;
  connect_timeout_seconds: number;
  max_retries: number;
  enabled: boolean;
  source: EntrySource;
}

/** `ProviderCreate`, and `ProviderUpdate` without `id` (at most one of the key fields). */
export interface ProviderBody {
  id?: string;
  kind?: ProviderKind;
  base_url?: string;
  api_key?: string | null;
  api_key_env?: string | null;
  api_key_file?: string | null;
  timeout_seconds?: number;
  connect_timeout_seconds?: number;
  max_retries?: number;
  enabled?: boolean;
}

/** `ModelOut`. `groups` empty: every user may use it. */
export interface CatalogModel {
  id: string;
  provider: string;
  upstream: string;
  display_name: string;
  context_tokens: number;
  max_output_tokens: number;
  input_price_per_million: number;
  output_price_per_million: number;
  enabled: boolean;
  default: boolean;
  /** Enabled, with its provider present and enabled. */
  usable: boolean;
  groups: string[];
  source: EntrySource;
}

/** `ModelSpec` (create) and `ModelUpdate` (change; `upstream`/`display_name` null: the id). */
export interface ModelBody {
  id?: string;
  provider?: string;
  upstream?: string | null;
  display_name?: string | null;
  context_tokens?: number;
  max_output_tokens?: number;
  input_price_per_million?: number;
  output_price_per_million?: number;
  enabled?: boolean;
  default?: boolean;
  groups?: string[];
}
