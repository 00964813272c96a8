/**
 * TanStack Query keys, in one place: a key written twice by hand is a cache entry that one
 * side fills and the other never reads.
 */
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
};
