"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";

import { useAuthSession } from "@/components/auth-provider";
import { withChatModel, type ChatPages } from "@/lib/chat-pages";
import { queryKeys } from "@/lib/query-keys";
import type { ChatDetail, ModelList } from "@/lib/types";

/** The page's model choice: the models to pick from, the one chosen, and choosing another. */
export interface ChatModel {
  /** `GET /api/models`; undefined while loading (or on a server without a catalog). */
  models: ModelList | undefined;
  /** The catalog id the chat's turns use; null: the catalog's default. */
  chosen: string | null;
  choose: (modelId: string) => Promise<void>;
  /** Why the last change of model failed, if it did. */
  error: unknown;
  /** Reads the models again (after the server refused one). */
  refresh: () => void;
}

/**
 * A new chat (`chatId` null) keeps its choice here until the first message creates it with
 * that model; an open chat's choice is the chat's `model`, changed with PATCH so the server
 * remembers it (shown at once, put back if the server refuses).
 */
export function useChatModel(chatId: string | null, chat: ChatDetail | undefined): ChatModel {
  const api = useAuthSession().api;
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const models = useQuery({ queryKey: queryKeys.models(), queryFn: () => api.listModels(), staleTime: 60_000 });
  const chosen = chatId ? (chat?.model ?? null) : draft;
  // Stable, so an effect can call it once per refusal.
  const refresh = useCallback(() => void queryClient.invalidateQueries({ queryKey: queryKeys.models() }), [queryClient]);

  async function choose(modelId: string): Promise<void> {
    setError(null);
    if (!chatId) {
      setDraft(modelId);
      return;
    }
    if (modelId === chosen) return;
    const key = queryKeys.chat(chatId);
    const show = (model: string | null) => queryClient.setQueryData<ChatPages>(key, (old) => withChatModel(old, model));
    const before = chosen;
    show(modelId);
    try {
      const saved = await api.setChatModel(chatId, modelId);
      show(saved.model === undefined ? modelId : saved.model);
    } catch (failure) {
      show(before);
      setError(failure);
      refresh();
    }
  }

  return { models: models.data, chosen, choose, error, refresh };
}
