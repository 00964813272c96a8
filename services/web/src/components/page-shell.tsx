import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";

import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";

/** The frame of a signed-in page outside the chat: a way back, a title, the content. */
export function PageShell({
  title,
  back = { href: "/chats", label: "Back to chats" },
  className,
  children,
}: {
  title: string;
  back?: { href: string; label: string };
  /** The main column's width (a `max-w-*` class). */
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className="min-h-dvh bg-muted/40">
      <header className="sticky top-0 z-10 flex h-14 items-center gap-2 border-b bg-background px-3 sm:px-4">
        <Button asChild variant="ghost" size="sm">
          <Link href={back.href}>
            <ArrowLeft aria-hidden />
            {back.label}
          </Link>
        </Button>
      </header>
      <main className={cn("mx-auto grid w-full max-w-2xl gap-6 px-4 py-8", className)}>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {children}
      </main>
    </div>
  );
}
