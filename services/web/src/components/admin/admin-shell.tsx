"use client";

import { ArrowLeft, Loader2, ShieldAlert } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";

import { useAccount, useAuth } from "@/components/auth-provider";
import { Logo } from "@/components/logo";
import { Button } from "@/components/ui/button";
import { isAdmin } from "@/lib/admin/access";
import { cn } from "@/lib/utils";

const SECTIONS = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/groups", label: "Groups" },
  { href: "/admin/models", label: "Models" },
  { href: "/admin/keys", label: "API keys" },
  { href: "/admin/usage", label: "Usage" },
  { href: "/admin/registration", label: "Registration" },
  { href: "/admin/audit", label: "Audit" },
];

/** Shown to a member who opens /admin: nothing of the console, and the way back. */
function NotAllowed() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-4 bg-muted/40 px-4 text-center">
      <ShieldAlert className="size-10 text-muted-foreground" aria-hidden />
      <h1 className="text-xl font-semibold">Not allowed</h1>
      <p className="max-w-sm text-sm text-muted-foreground">
        The admin console is for administrators of this server. Ask one if you need access.
      </p>
      <Button asChild variant="outline">
        <Link href="/chats">Back to chats</Link>
      </Button>
    </main>
  );
}

/**
 * The console's frame: the header and the sections' nav, for admins only. The user is read
 * again on entry, so a role changed since this tab signed in counts (the server checks anyway).
 */
export function AdminShell({ children }: { children: React.ReactNode }) {
  const { state } = useAuth();
  const account = useAccount();
  const pathname = usePathname();
  const [checked, setChecked] = useState(false);

  useEffect(() => {
    let live = true;
    void account
      .reloadUser()
      .catch(() => undefined)
      .finally(() => live && setChecked(true));
    return () => {
      live = false;
    };
  }, [account]);

  if (state.status !== "authenticated") return null; // RequireAuth shows the spinner meanwhile
  if (!isAdmin(state.user)) {
    if (!checked) {
      return (
        <div className="flex h-dvh items-center justify-center text-muted-foreground" role="status">
          <Loader2 className="mr-2 size-5 animate-spin" aria-hidden />
          Checking your access…
        </div>
      );
    }
    return <NotAllowed />;
  }
  return (
    <div className="min-h-dvh bg-muted/40">
      <header className="sticky top-0 z-10 border-b bg-background">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-3 px-3 sm:px-4">
          <Logo />
          <span className="rounded-md bg-muted px-2 py-0.5 text-xs font-medium text-muted-foreground">Admin</span>
          <Button asChild variant="ghost" size="sm" className="ml-auto">
            <Link href="/chats">
              <ArrowLeft aria-hidden />
              Back to chats
            </Link>
          </Button>
        </div>
        <nav aria-label="Admin" className="mx-auto flex max-w-6xl gap-1 overflow-x-auto px-3 sm:px-4">
          {SECTIONS.map((section) => {
            const active = pathname === section.href || pathname.startsWith(`${section.href}/`);
            return (
              <Link
                key={section.href}
                href={section.href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
                  active ? "border-brand text-foreground" : "border-transparent text-muted-foreground hover:text-foreground",
                )}
              >
                {section.label}
              </Link>
            );
          })}
        </nav>
      </header>
      <main className="mx-auto grid w-full max-w-6xl gap-6 px-3 py-6 sm:px-4">{children}</main>
    </div>
  );
}
