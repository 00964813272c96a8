/**
 * TanStack Query keys, in one place: a key written twice by hand is a cache entry that one
 * side fills and the other never reads.
 */
import type { AuditFilters } from "./admin/types";
import type { UsageQuery } from "./usage/types";

export const queryKeys = {
  /** The sidebar's chat list (an infinite query of `ChatPage`s). */
  chats: () => ["chats"] as const,
  /**
   * One chat, an infinite query of its pages of turns (`ChatPages` in chat-pages.ts: newest page
   * first, then older ones as the reader scrolls up); null while the page is a new, unsaved chat.
   */
  chat: (chatId: string | null) => ["chat", chatId] as const,
  /** The models this user may pick (`GET /api/models`). */
  models: () => ["models"] as const,
  /** The signed-in user's API keys (`GET /api/keys`). */
  apiKeys: () => ["api-keys"] as const,
  /**
   * The signed-in user's usage report (`GET /api/usage`): the /usage page and the composer's
   * low-budget notice read it; refetched after each reply.
   */
  usage: () => ["usage"] as const,
  /**
   * The admin console's data, all under ["admin"] so one invalidation can refresh the console;
   * none of it is kept for a member (the session's end clears the whole cache).
   */
  admin: {
    all: () => ["admin"] as const,
    /** Every user list below (for an invalidation after a membership or account change). */
    allUsers: () => ["admin", "users"] as const,
    /** Users whose email starts with `q` (an infinite query of `Page<AdminUser>`). */
    users: (q: string) => ["admin", "users", "list", q.trim().toLowerCase()] as const,
    /** The first few users whose email starts with `q`, offered to add to a group. */
    userSuggestions: (q: string) => ["admin", "users", "suggestions", q.trim().toLowerCase()] as const,
    groups: () => ["admin", "groups"] as const,
    /** A group's members (an infinite query of `Page<AdminUser>`). */
    groupMembers: (groupId: string) => ["admin", "groups", groupId, "members"] as const,
    registration: () => ["admin", "registration"] as const,
    invites: () => ["admin", "invites"] as const,
    /** The audit log under these filters (an infinite query of `Page<AuditEvent>`). */
    audit: (filters: AuditFilters) => ["admin", "audit", filters] as const,
    /** Chat's catalog as admins see it: every provider and model, usable or not. */
    providers: () => ["admin", "catalog", "providers"] as const,
    catalogModels: () => ["admin", "catalog", "models"] as const,
    /** Every key list below (for an invalidation after a revoke). */
    allApiKeys: () => ["admin", "api-keys"] as const,
    /** API keys, only this user's when `userId` is not empty (an infinite query of `Page<AdminApiKey>`). */
    apiKeys: (userId: string) => ["admin", "api-keys", userId.trim()] as const,
    /** Chat's budgets with their usage (`GET /api/admin/budgets`). */
    budgets: () => ["admin", "budgets"] as const,
    /** Usage totals grouped and ranged as asked (`GET /api/admin/usage`). */
    usage: (query: UsageQuery) => ["admin", "usage", query] as const,
    /** A user as auth's console knows them (the usage table's emails). */
    user: (userId: string) => ["admin", "users", "one", userId] as const,
  },
};
