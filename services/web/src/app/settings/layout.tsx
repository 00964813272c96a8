import type { Metadata } from "next";

import { RequireAuth } from "@/components/require-auth";

export const metadata: Metadata = { title: "Settings · Parley" };

export default function SettingsLayout({ children }: { children: React.ReactNode }) {
  return <RequireAuth>{children}</RequireAuth>;
}
