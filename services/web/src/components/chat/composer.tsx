"use client";

import { ArrowUp, Square } from "lucide-react";
import { forwardRef, useId, useState } from "react";

import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/textarea";
import { MESSAGE_MAX_LENGTH } from "@/lib/validation";

/** Text to put back in the composer once (a message the server refused); `key` tells one from the next. */
export interface Draft {
  key: string;
  text: string;
}

interface ComposerProps {
  running: boolean;
  stopping: boolean;
  onSend: (content: string) => Promise<boolean> | boolean;
  onStop: () => void;
  /** Put back when it changes, unless something else has been typed meanwhile. */
  restore?: Draft | null;
  /** Shown over the input: a refusal, or how much of the budget is left. */
  notice?: React.ReactNode;
}

/** Enter sends, Shift+Enter adds a line; nothing empty or over the limit is sent. */
export const Composer = forwardRef<HTMLTextAreaElement, ComposerProps>(function Composer(
  { running, stopping, onSend, onStop, restore = null, notice },
  ref,
) {
  const [value, setValue] = useState(restore?.text ?? "");
  const [restored, setRestored] = useState(restore?.key ?? null);
  if (restore && restore.key !== restored) {
    // A message the server refused after the composer had been cleared for it: the user's
    // text comes back, to send later (React's way to adjust state when a prop changes).
    setRestored(restore.key);
    if (!value.trim()) setValue(restore.text);
  }
  const hintId = useId();
  const tooLong = value.length > MESSAGE_MAX_LENGTH;
  const canSend = !running && value.trim().length > 0 && !tooLong;

  async function submit() {
    if (!canSend) return;
    const content = value;
    setValue("");
    const accepted = await onSend(content);
    if (!accepted) setValue(content);
  }

  return (
    <form
      className="mx-auto w-full max-w-3xl px-3 pb-3 sm:px-4 sm:pb-4"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {notice}
      <div className="relative rounded-2xl border bg-background shadow-sm focus-within:ring-[3px] focus-within:ring-ring/40">
        <label htmlFor="composer" className="sr-only">
          Message
        </label>
        <Textarea
          ref={ref}
          id="composer"
          name="message"
          rows={1}
          value={value}
          disabled={running}
          placeholder={running ? "Waiting for the reply…" : "Message Parley"}
          aria-describedby={hintId}
          aria-invalid={tooLong}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void submit();
            }
          }}
          className="max-h-60 min-h-12 resize-none border-0 bg-transparent py-3 pr-14 pl-4 shadow-none focus-visible:ring-0"
        />
        <div className="absolute right-2 bottom-2">
          {running ? (
            <Button
              type="button"
              size="icon-sm"
              variant="secondary"
              className="rounded-full"
              onClick={onStop}
              disabled={stopping}
              aria-label="Stop generating"
            >
              <Square className="size-3.5 fill-current" aria-hidden />
            </Button>
          ) : (
            <Button type="submit" size="icon-sm" className="rounded-full" disabled={!canSend} aria-label="Send message">
              <ArrowUp aria-hidden />
            </Button>
          )}
        </div>
      </div>
      <p id={hintId} className="mt-1.5 px-1 text-center text-xs text-muted-foreground">
        {tooLong
          ? `Messages can be at most ${MESSAGE_MAX_LENGTH.toLocaleString("en")} characters (${value.length.toLocaleString("en")} now).`
          : "Enter to send, Shift+Enter for a new line."}
      </p>
    </form>
  );
});
