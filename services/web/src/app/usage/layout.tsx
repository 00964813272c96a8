import type { Metadata } from "next";

import { RequireAuth } from "@/components/require-auth";

export const metadata: Metadata = { title: "Usage · Parley" };

export default function UsageLayout({ children }: { children: React.ReactNode }) {
  return <RequireAuth>{children}</RequireAuth>;
}
