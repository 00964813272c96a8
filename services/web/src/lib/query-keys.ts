/**
 * TanStack Query keys, in one place: a key written twice by hand is a cache entry that one
 * side fills and the other never reads.
 */
export const queryKeys = {
  /** The sidebar's chat list (an infinite query of `ChatPage`s). */
  chats: () => ["chats"] as const,
  /** One chat with its messages (`ChatDetail`); null while the page is a new, unsaved chat. */
  chat: (chatId: string | null) => ["chat", chatId] as const,
};
