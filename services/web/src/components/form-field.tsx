"use client";

import { useId } from "react";

import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

type FieldProps = Omit<React.ComponentProps<typeof Input>, "id" | "onChange"> & {
  label: string;
  /** Shown under the field once the form was submitted with it wrong. */
  error?: string | null;
  hint?: string;
  onValue: (value: string) => void;
  /** Something next to the label (the login page's "Forgot password?"). */
  aside?: React.ReactNode;
};

/** A labelled input with its error and hint tied to it for screen readers. */
export function FormField({ label, error, hint, onValue, aside, ...input }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : "", hint ? hintId : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className="grid gap-2">
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={id}>{label}</Label>
        {aside}
      </div>
      <Input
        id={id}
        aria-invalid={!!error}
        aria-describedby={describedBy}
        onChange={(e) => onValue(e.target.value)}
        {...input}
      />
      {error && (
        <p id={errorId} className="text-sm text-destructive">
          {error}
        </p>
      )}
      {hint && (
        <p id={hintId} className="text-xs text-muted-foreground">
          {hint}
        </p>
      )}
    </div>
  );
}
