"use client";

import { ChevronDown, TriangleAlert } from "lucide-react";

import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { modelChoice } from "@/lib/models";
import type { ModelList } from "@/lib/types";

/**
 * Which model a chat's turns use: the models this user may pick, the default marked. `chosen`
 * null means the catalog's default; a chosen model that is gone shows as unavailable.
 */
export function ModelPicker({
  models,
  chosen,
  onChoose,
  disabled = false,
}: {
  models: ModelList;
  chosen: string | null;
  onChoose: (modelId: string) => void;
  disabled?: boolean;
}) {
  const choice = modelChoice(models, chosen);
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild disabled={disabled}>
        <Button
          variant="ghost"
          size="sm"
          className="max-w-[55vw] min-w-0 text-muted-foreground sm:max-w-xs"
          aria-label={`Model: ${choice.label}${choice.available ? "" : " (unavailable)"}`}
          data-testid="model-picker"
        >
          {!choice.available && <TriangleAlert className="text-destructive" aria-hidden />}
          <span className="truncate">{choice.label}</span>
          <ChevronDown aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="min-w-56">
        <DropdownMenuLabel className="text-xs text-muted-foreground">Model</DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuRadioGroup value={choice.id ?? ""} onValueChange={onChoose}>
          {models.items.map((model) => (
            <DropdownMenuRadioItem key={model.id} value={model.id}>
              <span className="truncate">{model.display_name}</span>
              {model.default && <span className="ml-auto pl-3 text-xs text-muted-foreground">Default</span>}
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
