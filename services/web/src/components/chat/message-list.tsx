"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { AlertCircle, Bot, CircleStop, Loader2, RotateCcw } from "lucide-react";
import { memo, useEffect, useLayoutEffect, useRef } from "react";

import { Markdown } from "@/components/chat/markdown";
import { Button } from "@/components/ui/button";
import { modelName } from "@/lib/models";
import type { Row } from "@/lib/transcript";
import type { ModelList } from "@/lib/types";

const MessageRow = memo(function MessageRow({
  row,
  model,
  onRetry,
  retryDisabled,
}: {
  row: Row;
  /** The display name of the model that wrote an assistant row, when known. */
  model: string | null;
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
        {model && (
          <p className="mb-0.5 text-xs font-medium text-muted-foreground" data-testid="message-model">
            {model}
          </p>
        )}
        {row.content ? (
          <div data-testid="message-content">
            <Markdown text={row.content} />
          </div>
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

/** The older messages of a chat read page by page. */
export interface OlderMessages {
  /** The server has turns before the first row. */
  more: boolean;
  loading: boolean;
  /** Why the last page could not be loaded, in words. */
  error: string | null;
  load: () => void;
}

/** How close to the top (px) the reader gets before the page before is fetched. */
const NEAR_TOP_PX = 600;

/** Where older messages load, or failed to: over the top of the list, so nothing below moves. */
function OlderStatus({ older }: { older: OlderMessages }) {
  // A retry keeps the last error until it succeeds: while it runs, it is loading.
  if (older.loading) {
    return (
      <p
        role="status"
        className="pointer-events-auto flex items-center gap-2 rounded-full border bg-background px-3 py-1 text-xs text-muted-foreground shadow-sm"
      >
        <Loader2 className="size-3.5 animate-spin" aria-hidden />
        Loading earlier messages…
      </p>
    );
  }
  if (!older.error) return null;
  return (
    <div
      role="alert"
      className="pointer-events-auto flex items-center gap-3 rounded-lg border border-destructive/30 bg-background px-3 py-2 text-sm text-destructive shadow-sm"
    >
      <AlertCircle className="size-4 shrink-0" aria-hidden />
      <span>Earlier messages could not be loaded: {older.error}</span>
      <Button size="sm" variant="outline" className="text-foreground" onClick={older.load}>
        <RotateCcw aria-hidden />
        Retry
      </Button>
    </div>
  );
}

/**
 * The conversation, virtualized: only the messages on screen are in the DOM. It opens at the
 * end; near the top it asks for older messages, and when they arrive above the first row the
 * view stays on the messages the reader was looking at.
 */
export function MessageList({
  rows,
  models,
  onRetry,
  running,
  older,
}: {
  rows: Row[];
  /** Names the model of each reply (`GET /api/models`); ids show as themselves until it loads. */
  models: ModelList | undefined;
  onRetry: (content: string) => void;
  running: boolean;
  older: OlderMessages;
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
    // Rows put above the first one (an older page) keep the row at the top of the view where it
    // was: the virtualizer finds it by key in the new rows and moves the scroll by the rows added.
    anchorTo: "end",
  });
  const totalSize = virtualizer.getTotalSize();
  const lastContent = rows.at(-1)?.content;

  useLayoutEffect(() => {
    // A reply starting (a message just sent) brings the reader back to the end, wherever they
    // were reading.
    if (running) stickToBottom.current = true;
  }, [running]);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    // Follow the reply as it grows, unless the reader scrolled up to read something.
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  }, [rows.length, lastContent, totalSize]);

  const { more, loading, error, load } = older;
  const loadIfNearTop = () => {
    const element = scrollRef.current;
    if (element && more && !loading && !error && element.scrollTop < NEAR_TOP_PX) load();
  };
  useEffect(() => {
    // Still near the top once a page has arrived: the next one. The first page opens at the
    // end, so this does not fire on open, unless it is too short to scroll at all.
    const element = scrollRef.current;
    if (!stickToBottom.current || (element && element.scrollHeight <= element.clientHeight)) loadIfNearTop();
  });

  return (
    <div
      ref={scrollRef}
      // The browser's own scroll anchoring would fight the virtualizer's (anchorTo above).
      className="min-h-0 flex-1 overflow-y-auto [overflow-anchor:none]"
      role="log"
      aria-label="Conversation"
      aria-busy={loading}
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 120;
        if (!stickToBottom.current) loadIfNearTop();
      }}
    >
      <div className="pointer-events-none sticky top-2 z-10 flex h-0 items-start justify-center overflow-visible">
        <OlderStatus older={older} />
      </div>
      <div className="relative mx-auto w-full max-w-3xl px-4 sm:px-6" style={{ height: totalSize + 24 }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            data-index={item.index}
            ref={virtualizer.measureElement}
            className="absolute top-0 left-0 w-full px-4 sm:px-6"
            style={{ transform: `translateY(${item.start + 16}px)` }}
          >
            <MessageRow
              row={rows[item.index]!}
              model={modelName(models, rows[item.index]!.model)}
              onRetry={onRetry}
              retryDisabled={running}
            />
          </div>
        ))}
      </div>
    </div>
  );
}
