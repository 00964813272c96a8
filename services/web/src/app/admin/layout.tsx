import type { Metadata } from "next";

import { AdminShell } from "@/components/admin/admin-shell";
import { RequireAuth } from "@/components/require-auth";

export const metadata: Metadata = { title: "Admin · Parley" };

export default function AdminLayout({ children }: { children: React.ReactNode }) {
  return (
    <RequireAuth>
      <AdminShell>{children}</AdminShell>
    </RequireAuth>
  );
}
