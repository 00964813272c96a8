"use client";

import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2, Menu, MessagesSquare } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";

import { useAuthSession } from "@/components/auth-provider";
import { Composer } from "@/components/chat/composer";
import { MessageList } from "@/components/chat/message-list";
import { ModelPicker } from "@/components/chat/model-picker";
import { useChatModel } from "@/components/chat/use-chat-model";
import { Sidebar } from "@/components/chat/sidebar";
import { UsageNotice } from "@/components/chat/usage-notice";
import { VerifyEmailBanner } from "@/components/chat/verify-email-banner";
import { useReplies } from "@/components/providers";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Sheet, SheetContent, SheetDescription, SheetTitle, SheetTrigger } from "@/components/ui/sheet";
import { chatMessages, newestPage, olderCursor, singlePage, type ChatPages } from "@/lib/chat-pages";
import { ApiError, describeError, needsEmailConfirmation } from "@/lib/errors";
import { isModelRefusal, MODEL_UNAVAILABLE, modelRefusal, showModelPicker } from "@/lib/models";
import { queryKeys } from "@/lib/query-keys";
import { isActive } from "@/lib/replies/store";
import { transcriptRows } from "@/lib/transcript";
import type { ChatDetail } from "@/lib/types";
import { fetchUsage } from "@/lib/usage/client";

export function ChatView({ chatId }: { chatId: string | null }) {
  const session = useAuthSession();
  const api = session.api;
  const replies = useReplies();
  const queryClient = useQueryClient();
  const router = useRouter();
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  useSyncExternalStore(replies.subscribe, replies.getVersion, () => 0);
  const reply = chatId ? replies.get(chatId) : undefined;
  const running = isActive(reply);
  // Read on load and again after each reply (refreshAfterReply): the low-budget notice.
  const usage = useQuery({ queryKey: queryKeys.usage(), queryFn: () => fetchUsage(api), staleTime: 60_000 });
  // Refused for usage before any run began: said over the composer, the text put back in it.
  const refused = reply && !running && !reply.runId ? (reply.error?.refusal ?? null) : null;

  // Newest page first; scrolling to the top fetches the page before (see MessageList).
  const detail = useInfiniteQuery<ChatDetail, Error, ChatPages, ReturnType<typeof queryKeys.chat>, string | null>({
    queryKey: queryKeys.chat(chatId),
    queryFn: ({ pageParam }) => api.getChat(chatId!, pageParam),
    initialPageParam: null,
    getNextPageParam: olderCursor,
    enabled: !!chatId,
  });

  const messages = useMemo(() => chatMessages(detail.data), [detail.data]);
  const loaded = newestPage(detail.data);
  const activeRunId = loaded?.active_run_id;
  const lastQuestion = loaded?.messages.findLast((m) => m.role === "user")?.content;
  const detailLoaded = !!loaded;
  const chatModel = useChatModel(chatId, loaded);
  const { refresh: refreshModels } = chatModel;
  const modelRefused = reply?.error?.code === MODEL_UNAVAILABLE || isModelRefusal(createError);
  useEffect(() => {
    // The server refused the chosen model: the picker should show what is left.
    if (modelRefused) refreshModels();
  }, [modelRefused, refreshModels]);
  useEffect(() => {
    if (chatId && detailLoaded) void replies.reattach(chatId, activeRunId ?? null, lastQuestion);
  }, [chatId, detailLoaded, activeRunId, lastQuestion, replies]);

  useEffect(() => {
    if (!running) composerRef.current?.focus();
  }, [running, chatId]);

  const lastFailure = chatId ? replies.failure(chatId) : undefined;
  const rows = useMemo(
    () => transcriptRows(messages, reply, lastFailure),
    [messages, reply, lastFailure],
  );

  async function send(content: string): Promise<boolean> {
    setCreateError(null);
    let id = chatId;
    if (!id) {
      try {
        const chat = await api.createChat({ model: chatModel.chosen });
        queryClient.setQueryData<ChatPages>(
          queryKeys.chat(chat.id),
          singlePage({ ...chat, messages: [], active_run_id: null, older_cursor: null }),
        );
        void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
        id = chat.id;
      } catch (error) {
        setCreateError(error);
        return false;
      }
    } else if (reply && !isActive(reply)) {
      replies.dismiss(id);
    }
    // The reply lives outside this page, so it keeps streaming across the navigation below.
    void replies.send(id, content, chatModel.chosen);
    if (!chatId) router.push(`/chats/${id}`);
    return true;
  }

  const notFound = detail.error instanceof ApiError && detail.error.status === 404;
  const title = chatId ? (loaded?.title ?? (detail.isPending ? "" : "New chat")) : "New chat";
  // An older page that failed is shown at the top of the list with Retry, not here.
  const olderFailed = detail.isFetchNextPageError;
  // Not a failure to show as one: the account has to confirm its email first.
  const unconfirmed = needsEmailConfirmation(createError, detail.error, reply?.error);
  // What went wrong outside the conversation: creating the chat, changing its model, loading it.
  const problem = createError || chatModel.error || (detail.error && !notFound && !olderFailed ? detail.error : null);

  return (
    <div className="flex h-dvh min-w-0 flex-1 flex-col">
      <header className="flex h-14 shrink-0 items-center gap-2 border-b px-3 sm:px-4">
        <Sheet open={menuOpen} onOpenChange={setMenuOpen}>
          <SheetTrigger asChild>
            <Button variant="ghost" size="icon" className="md:hidden" aria-label="Open chat list">
              <Menu aria-hidden />
            </Button>
          </SheetTrigger>
          <SheetContent aria-describedby={undefined}>
            <SheetTitle className="sr-only">Chats</SheetTitle>
            <SheetDescription className="sr-only">Your chats</SheetDescription>
            <Sidebar onNavigate={() => setMenuOpen(false)} />
          </SheetContent>
        </Sheet>
        <h1 className="min-w-0 flex-1 truncate text-sm font-medium sm:text-base" data-testid="chat-title">
          {title}
        </h1>
        {!notFound && showModelPicker(chatModel.models, chatModel.chosen) && (
          <ModelPicker models={chatModel.models!} chosen={chatModel.chosen} onChoose={(id) => void chatModel.choose(id)} />
        )}
      </header>

      {notFound ? (
        <div className="flex flex-1 flex-col items-center justify-center gap-3 p-6 text-center">
          <p className="text-lg font-medium">This chat does not exist</p>
          <p className="text-sm text-muted-foreground">It may have been deleted.</p>
          <Button asChild variant="outline">
            <Link href="/chats">Start a new chat</Link>
          </Button>
        </div>
      ) : chatId && detail.isPending ? (
        <div className="flex flex-1 items-center justify-center text-muted-foreground" role="status">
          <Loader2 className="mr-2 size-5 animate-spin" aria-hidden />
          Loading messages…
        </div>
      ) : rows.length === 0 ? (
        <div className="flex flex-1 flex-col items-center justify-center gap-3 p-6 text-center">
          <span className="inline-flex size-12 items-center justify-center rounded-2xl bg-brand/10 text-brand">
            <MessagesSquare className="size-6" aria-hidden />
          </span>
          <p className="text-xl font-semibold tracking-tight">How can I help today?</p>
          <p className="max-w-sm text-sm text-muted-foreground">
            Ask anything. Replies stream in as they are written, and your chats are kept for you.
          </p>
        </div>
      ) : (
        <MessageList
          rows={rows}
          models={chatModel.models}
          running={running}
          onRetry={(content) => void send(content)}
          older={{
            more: detail.hasNextPage,
            loading: detail.isFetchingNextPage,
            error: olderFailed ? describeError(detail.error) : null,
            load: () => void detail.fetchNextPage({ cancelRefetch: false }),
          }}
        />
      )}

      {unconfirmed ? (
        <div className="mx-auto w-full max-w-3xl px-4">
          <VerifyEmailBanner
            onConfirmed={() => {
              setCreateError(null);
              if (chatId) replies.dismiss(chatId);
            }}
          />
        </div>
      ) : (
        problem && (
          <div className="mx-auto w-full max-w-3xl px-4">
            <Alert variant="destructive" className="mb-2">
              <AlertCircle aria-hidden />
              <AlertDescription>{isModelRefusal(problem) ? modelRefusal(problem) : describeError(problem)}</AlertDescription>
            </Alert>
          </div>
        )
      )}
      {!notFound && (
        <Composer
          ref={composerRef}
          running={running}
          stopping={!!reply?.stopping}
          onSend={send}
          onStop={() => chatId && void replies.stop(chatId)}
          restore={refused && reply ? { key: reply.userCreatedAt, text: reply.userContent } : null}
          notice={<UsageNotice refusal={refused} usage={usage.data} onDismiss={() => chatId && replies.dismiss(chatId)} />}
        />
      )}
    </div>
  );
}
