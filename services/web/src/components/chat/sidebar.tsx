"use client";

import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { ChartColumn, Loader2, LogOut, MoreHorizontal, Pencil, Settings, ShieldCheck, SquarePen, Trash2 } from "lucide-react";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { useAuth } from "@/components/auth-provider";
import { Logo } from "@/components/logo";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Input } from "@/components/ui/input";
import { isAdmin } from "@/lib/admin/access";
import { describeError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";
import type { ChatPage, ChatSummary } from "@/lib/types";
import { cn } from "@/lib/utils";
import { TITLE_MAX_LENGTH } from "@/lib/validation";

const PAGE_SIZE = 30;

function chatTitle(chat: ChatSummary): string {
  return chat.title?.trim() || "New chat";
}

function ChatItem({
  chat,
  active,
  onNavigate,
}: {
  chat: ChatSummary;
  active: boolean;
  onNavigate?: () => void;
}) {
  const { session } = useAuth();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const rename = useMutation({
    mutationFn: (title: string) => session.api.renameChat(chat.id, title),
    onMutate: (title) => {
      // Show the new title at once; the list is refetched afterwards either way.
      queryClient.setQueryData<InfiniteData<ChatPage>>(queryKeys.chats(), (old) =>
        old && {
          ...old,
          pages: old.pages.map((page) => ({
            ...page,
            items: page.items.map((c) => (c.id === chat.id ? { ...c, title } : c)),
          })),
        },
      );
    },
    onError: (e) => setError(describeError(e)),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.chats() });
      void queryClient.invalidateQueries({ queryKey: queryKeys.chat(chat.id) });
    },
  });

  const remove = useMutation({
    mutationFn: () => session.api.deleteChat(chat.id),
    onSuccess: () => {
      queryClient.setQueryData<InfiniteData<ChatPage>>(queryKeys.chats(), (old) =>
        old && {
          ...old,
          pages: old.pages.map((page) => ({ ...page, items: page.items.filter((c) => c.id !== chat.id) })),
        },
      );
      queryClient.removeQueries({ queryKey: queryKeys.chat(chat.id) });
      setConfirming(false);
      if (active) router.push("/chats");
    },
    onError: (e) => setError(describeError(e)),
  });

  function save() {
    const title = draft.trim();
    setEditing(false);
    if (title && title !== chat.title) rename.mutate(title.slice(0, TITLE_MAX_LENGTH));
  }

  return (
    <li data-testid="chat-item" className="min-w-0">
      {editing ? (
        <form
          className="px-1 py-0.5"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <Input
            autoFocus
            aria-label="Chat title"
            value={draft}
            maxLength={TITLE_MAX_LENGTH}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={save}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                setEditing(false);
              }
            }}
            className="h-8 bg-background"
          />
        </form>
      ) : (
        <div
          className={cn(
            "group relative flex items-center rounded-md text-sm hover:bg-accent",
            active && "bg-accent font-medium",
          )}
        >
          <Link
            href={`/chats/${chat.id}`}
            onClick={onNavigate}
            aria-current={active ? "page" : undefined}
            className="min-w-0 flex-1 truncate rounded-md px-3 py-2 outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
          >
            {chatTitle(chat)}
          </Link>
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button
                variant="ghost"
                size="icon-sm"
                className="mr-1 shrink-0 opacity-100 md:opacity-0 md:group-hover:opacity-100 md:focus-visible:opacity-100 data-[state=open]:opacity-100"
                aria-label={`Actions for ${chatTitle(chat)}`}
              >
                <MoreHorizontal aria-hidden />
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="end" className="w-40">
              <DropdownMenuItem
                onSelect={() => {
                  setDraft(chat.title ?? "");
                  setError(null);
                  setEditing(true);
                }}
              >
                <Pencil aria-hidden />
                Rename
              </DropdownMenuItem>
              <DropdownMenuItem variant="destructive" onSelect={() => setConfirming(true)}>
                <Trash2 aria-hidden />
                Delete
              </DropdownMenuItem>
            </DropdownMenuContent>
          </DropdownMenu>
        </div>
      )}
      {error && (
        <p role="alert" className="px-3 pb-1 text-xs text-destructive">
          {error}
        </p>
      )}
      <AlertDialog open={confirming} onOpenChange={setConfirming}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Delete this chat?</AlertDialogTitle>
            <AlertDialogDescription>
              “{chatTitle(chat)}” and all its messages will be deleted for good.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction
              onClick={(e) => {
                e.preventDefault();
                remove.mutate();
              }}
              disabled={remove.isPending}
            >
              {remove.isPending && <Loader2 className="animate-spin" aria-hidden />}
              Delete
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </li>
  );
}

/** The user's chats, newest first, one page at a time as the list is scrolled. */
export function Sidebar({ onNavigate }: { onNavigate?: () => void }) {
  const { session, state } = useAuth();
  const router = useRouter();
  const params = useParams<{ id?: string }>();
  const scrollRef = useRef<HTMLDivElement>(null);
  const sentinelRef = useRef<HTMLDivElement>(null);

  const chats = useInfiniteQuery({
    queryKey: queryKeys.chats(),
    queryFn: ({ pageParam }) => session.api.listChats(pageParam, PAGE_SIZE),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = chats;

  useEffect(() => {
    const sentinel = sentinelRef.current;
    if (!sentinel || !hasNextPage) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
      },
      { root: scrollRef.current, rootMargin: "200px" },
    );
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const items = chats.data?.pages.flatMap((page) => page.items) ?? [];
  const email = state.status === "authenticated" ? state.user.email : "";
  const admin = state.status === "authenticated" && isAdmin(state.user);

  return (
    <nav className="flex h-full w-full flex-col bg-sidebar" aria-label="Chats">
      <div className="flex h-14 shrink-0 items-center border-b px-4">
        <Logo />
      </div>
      <div className="px-3 pt-3">
        <Button asChild variant="outline" className="w-full justify-start">
          <Link href="/chats" onClick={onNavigate}>
            <SquarePen aria-hidden />
            New chat
          </Link>
        </Button>
      </div>
      <div ref={scrollRef} className="min-h-0 flex-1 overflow-x-hidden overflow-y-auto px-2 py-3" data-testid="chat-list">
        <h2 className="px-3 pb-1 text-xs font-medium text-muted-foreground">Recent</h2>
        {chats.isPending ? (
          <p className="flex items-center px-3 py-2 text-sm text-muted-foreground" role="status">
            <Loader2 className="mr-2 size-4 animate-spin" aria-hidden />
            Loading chats…
          </p>
        ) : chats.isError ? (
          <p className="px-3 py-2 text-sm text-destructive" role="alert">
            {describeError(chats.error)}
          </p>
        ) : items.length === 0 ? (
          <p className="px-3 py-2 text-sm text-muted-foreground">No chats yet.</p>
        ) : (
          <ul className="flex min-w-0 flex-col gap-0.5">
            {items.map((chat) => (
              <ChatItem key={chat.id} chat={chat} active={chat.id === params.id} onNavigate={onNavigate} />
            ))}
          </ul>
        )}
        <div ref={sentinelRef} aria-hidden className="h-1" />
        {isFetchingNextPage && (
          <p className="flex items-center px-3 py-2 text-sm text-muted-foreground" role="status">
            <Loader2 className="mr-2 size-4 animate-spin" aria-hidden />
            Loading more…
          </p>
        )}
      </div>
      <div className="flex shrink-0 items-center gap-2 border-t p-3">
        <span className="inline-flex size-8 shrink-0 items-center justify-center rounded-full bg-brand/10 text-sm font-medium text-brand uppercase" aria-hidden>
          {email.slice(0, 1)}
        </span>
        <span className="min-w-0 flex-1 truncate text-sm" data-testid="user-email">
          {email}
        </span>
        {admin && (
          <Button asChild variant="ghost" size="icon-sm">
            <Link href="/admin" aria-label="Admin console" title="Admin console" onClick={onNavigate}>
              <ShieldCheck aria-hidden />
            </Link>
          </Button>
        )}
        <Button asChild variant="ghost" size="icon-sm">
          <Link href="/usage" aria-label="Usage" title="Usage" onClick={onNavigate}>
            <ChartColumn aria-hidden />
          </Link>
        </Button>
        <Button asChild variant="ghost" size="icon-sm">
          <Link href="/settings" aria-label="Settings" title="Settings" onClick={onNavigate}>
            <Settings aria-hidden />
          </Link>
        </Button>
        <Button
          variant="ghost"
          size="icon-sm"
          aria-label="Log out"
          title="Log out"
          onClick={async () => {
            await session.logout();
            router.replace("/login");
          }}
        >
          <LogOut aria-hidden />
        </Button>
      </div>
    </nav>
  );
}
