import { describe, expect, it } from "vitest";

import { errorFromResponse } from "@/lib/errors";
import { defaultModel, isModelRefusal, modelChoice, modelName, modelRefusal, showModelPicker } from "@/lib/models";
import type { ModelInfo, ModelList } from "@/lib/types";

import { json } from "./fake-server";

function model(id: string, display_name: string, isDefault = false): ModelInfo {
  return { id, display_name, context_tokens: 8192, max_output_tokens: 1024, default: isDefault };
}

const TWO: ModelList = {
  items: [model("parley-stub", "Parley stub", true), model("parley-stub-large", "Parley stub large")],
  default_model: "parley-stub",
};
const ONE: ModelList = { items: [model("parley-stub", "Parley stub", true)], default_model: "parley-stub" };

describe("models", () => {
  it("names a model by its display name, and one the list lacks by its id", () => {
    expect(modelName(TWO, "parley-stub-large")).toBe("Parley stub large");
    expect(modelName(TWO, "retired-model")).toBe("retired-model");
    expect(modelName(undefined, "parley-stub")).toBe("parley-stub");
    expect(modelName(TWO, null)).toBeNull();
  });

  it("finds the default: the one marked, else the one named, else the first", () => {
    expect(defaultModel(TWO)?.id).toBe("parley-stub");
    const unmarked: ModelList = { items: TWO.items.map((m) => ({ ...m, default: false })), default_model: "parley-stub-large" };
    expect(defaultModel(unmarked)?.id).toBe("parley-stub-large");
    expect(defaultModel({ items: unmarked.items, default_model: null })?.id).toBe("parley-stub");
    expect(defaultModel({ items: [], default_model: null })).toBeUndefined();
  });

  it("shows a chat without a model as using the default, and a chosen one by name", () => {
    expect(modelChoice(TWO, null)).toEqual({ id: "parley-stub", label: "Parley stub", available: true });
    expect(modelChoice(TWO, "parley-stub-large")).toEqual({ id: "parley-stub-large", label: "Parley stub large", available: true });
    expect(modelChoice(undefined, null)).toEqual({ id: null, label: "Default model", available: true });
  });

  it("says when the chat's model can no longer be used, but not before the list has loaded", () => {
    expect(modelChoice(TWO, "retired-model")).toEqual({ id: "retired-model", label: "retired-model", available: false });
    expect(modelChoice(undefined, "retired-model").available).toBe(true);
  });

  it("shows the picker only when there is a choice, or the chat's model is gone", () => {
    expect(showModelPicker(TWO, null)).toBe(true);
    expect(showModelPicker(ONE, null)).toBe(false);
    expect(showModelPicker(ONE, "parley-stub")).toBe(false);
    expect(showModelPicker(ONE, "retired-model")).toBe(true);
    expect(showModelPicker(undefined, null)).toBe(false);
  });

  it("puts a refused model in words, but not a refused field", async () => {
    const refused = await errorFromResponse(json(422, { detail: "model 'parley-stub-large' is disabled" }));
    expect(isModelRefusal(refused)).toBe(true);
    expect(modelRefusal(refused)).toBe(
      "Model 'parley-stub-large' is disabled. That model is no longer available to you: pick another one and send again.",
    );
    const invalid = await errorFromResponse(json(422, { detail: [{ loc: ["body", "content"], msg: "Field required" }] }));
    expect(isModelRefusal(invalid)).toBe(false);
    expect(isModelRefusal(new Error("x"))).toBe(false);
  });
});
