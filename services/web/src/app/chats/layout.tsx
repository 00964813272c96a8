"use client";

import { Sidebar } from "@/components/chat/sidebar";
import { RequireAuth } from "@/components/require-auth";

export default function ChatsLayout({ children }: { children: React.ReactNode }) {
  return (
    <RequireAuth>
      <div className="flex h-dvh overflow-hidden">
        <aside className="hidden w-72 shrink-0 border-r md:flex">
          <Sidebar />
        </aside>
        <main className="flex min-w-0 flex-1">{children}</main>
      </div>
    </RequireAuth>
  );
}
