"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { AlertCircle, Bot, CircleStop, RotateCcw } from "lucide-react";
import { memo, useLayoutEffect, useRef } from "react";

import { Markdown } from "@/components/chat/markdown";
import { Button } from "@/components/ui/button";
import type { Row } from "@/lib/transcript";

const MessageRow = memo(function MessageRow({
  row,
  onRetry,
  retryDisabled,
}: {
  row: Row;
  onRetry: (content: string) => void;
  retryDisabled: boolean;
}) {
  if (row.role === "user") {
    return (
      <div className="flex justify-end py-3" data-testid="message" data-role="user">
        <div className="max-w-[85%] rounded-2xl rounded-br-md bg-secondary px-4 py-2.5 text-[15px] leading-relaxed whitespace-pre-wrap break-words">
          {row.content}
        </div>
      </div>
    );
  }
  const streaming = row.status === "streaming";
  return (
    <div
      className="flex gap-3 py-3"
      data-testid="message"
      data-role="assistant"
      data-status={row.status}
      aria-busy={streaming}
    >
      <span className="mt-0.5 inline-flex size-7 shrink-0 items-center justify-center rounded-full border bg-background text-brand">
        <Bot className="size-4" aria-hidden />
        <span className="sr-only">Assistant</span>
      </span>
      <div className="min-w-0 flex-1">
        {row.content ? (
          <Markdown text={row.content} />
        ) : streaming ? (
          <p className="flex h-7 items-center gap-1" aria-label="Writing a reply">
            <span className="size-1.5 animate-bounce rounded-full bg-muted-foreground [animation-delay:-0.3s]" />
            <span className="size-1.5 animate-bounce rounded-full bg-muted-foreground [animation-delay:-0.15s]" />
            <span className="size-1.5 animate-bounce rounded-full bg-muted-foreground" />
          </p>
        ) : null}
        {row.status === "cancelled" && (
          <p className="mt-1 inline-flex items-center gap-1 rounded-md bg-muted px-2 py-0.5 text-xs text-muted-foreground" data-testid="message-stopped">
            <CircleStop className="size-3.5" aria-hidden />
            Stopped
          </p>
        )}
        {row.status === "error" && (
          <div
            role="alert"
            className="mt-1 flex flex-wrap items-center gap-3 rounded-lg border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm text-destructive"
          >
            <AlertCircle className="size-4 shrink-0" aria-hidden />
            <span className="flex-1">{row.errorText ?? "The reply failed."}</span>
            {row.retryContent !== undefined && (
              <Button
                size="sm"
                variant="outline"
                className="text-foreground"
                disabled={retryDisabled}
                onClick={() => onRetry(row.retryContent!)}
              >
                <RotateCcw aria-hidden />
                Retry
              </Button>
            )}
          </div>
        )}
      </div>
    </div>
  );
});

/** The conversation, virtualized: only the messages on screen are in the DOM. */
export function MessageList({
  rows,
  onRetry,
  running,
}: {
  rows: Row[];
  onRetry: (content: string) => void;
  running: boolean;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual is the maintained virtualizer we use.
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 96,
    overscan: 6,
    getItemKey: (index) => rows[index]!.key,
  });
  const totalSize = virtualizer.getTotalSize();
  const lastContent = rows.at(-1)?.content;

  useLayoutEffect(() => {
    const element = scrollRef.current;
    // Follow the reply as it grows, unless the reader scrolled up to read something.
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  }, [rows.length, lastContent, totalSize]);

  return (
    <div
      ref={scrollRef}
      className="min-h-0 flex-1 overflow-y-auto"
      role="log"
      aria-label="Conversation"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 120;
      }}
    >
      <div className="relative mx-auto w-full max-w-3xl px-4 sm:px-6" style={{ height: totalSize + 24 }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            data-index={item.index}
            ref={virtualizer.measureElement}
            className="absolute top-0 left-0 w-full px-4 sm:px-6"
            style={{ transform: `translateY(${item.start + 16}px)` }}
          >
            <MessageRow row={rows[item.index]!} onRetry={onRetry} retryDisabled={running} />
          </div>
        ))}
      </div>
    </div>
  );
}
