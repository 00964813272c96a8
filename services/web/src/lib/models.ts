/**
 * The model catalog as the client shows it (`GET /api/models`): the names on replies, what the
 * picker shows as chosen, when it is worth showing, and a refused model in words. Pure.
 */
import { ApiError } from "./errors";
import type { ModelInfo, ModelList } from "./types";

/** The model the server uses when a chat names none. */
export function defaultModel(models: ModelList | undefined): ModelInfo | undefined {
  const items = models?.items ?? [];
  return items.find((m) => m.default) ?? items.find((m) => m.id === models?.default_model) ?? items[0];
}

/**
 * The name to show for a catalog id: its display name, or the id itself when the list does not
 * have it (removed from the catalog, no longer allowed to this user, or not loaded yet).
 */
export function modelName(models: ModelList | undefined, id: string | null | undefined): string | null {
  if (!id) return null;
  return models?.items.find((m) => m.id === id)?.display_name ?? id;
}

/** What the picker shows as chosen for a chat. */
export interface ModelChoice {
  /** The catalog id the chat uses; null when neither the chat nor the catalog names one. */
  id: string | null;
  label: string;
  /** False when the chat names a model this user can no longer use: sending would be refused. */
  available: boolean;
}

/** The chat's model (`chosen`; null: the default) as the picker shows it. */
export function modelChoice(models: ModelList | undefined, chosen: string | null | undefined): ModelChoice {
  if (chosen) {
    const found = models?.items.find((m) => m.id === chosen);
    if (found) return { id: found.id, label: found.display_name, available: true };
    // Until the list has loaded, a chosen model is not known to be gone.
    return { id: chosen, label: chosen, available: !models };
  }
  const fallback = defaultModel(models);
  return fallback
    ? { id: fallback.id, label: fallback.display_name, available: true }
    : { id: null, label: "Default model", available: true };
}

/**
 * Whether to show a picker: when there is a choice to make, or when the chat's model is gone
 * (so another can be picked even if only one is left).
 */
export function showModelPicker(models: ModelList | undefined, chosen: string | null | undefined): boolean {
  if (!models) return false;
  return models.items.length > 1 || !modelChoice(models, chosen).available;
}

/** The code of a reply refused because of its model (see `Replies.send`). */
export const MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE";

/**
 * The chat service refused the model (unknown, disabled, not for this user): a 422 whose detail
 * is its reason in words, not pydantic's list of fields.
 */
export function isModelRefusal(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 422 && error.code !== "VALIDATION_ERROR";
}

/** A refused model in words: the server's reason (e.g. "Model 'x' is disabled.") and what to do. */
export function modelRefusal(error: ApiError): string {
  return `${error.message} That model is no longer available to you: pick another one and send again.`;
}
