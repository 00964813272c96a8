"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect } from "react";

import { useAuth } from "@/components/auth-provider";
import { FullPageSpinner } from "@/components/spinner";

/** Shows its children to a signed-in user; sends anyone else to /login and back afterwards. */
export function RequireAuth({ children }: { children: React.ReactNode }) {
  const { state } = useAuth();
  const router = useRouter();
  const pathname = usePathname();

  useEffect(() => {
    if (state.status !== "anonymous") return;
    // Signed out on purpose: no way back to this page after the next login.
    const chosen =
      state.reason === "logged_out" ||
      state.reason === "logged_out_everywhere" ||
      state.reason === "account_deleted" ||
      state.reason === "account_deactivated";
    if (chosen) router.replace("/login");
    else router.replace(`/login?next=${encodeURIComponent(pathname + window.location.search)}`);
  }, [state, pathname, router]);

  if (state.status !== "authenticated") {
    return <FullPageSpinner label={state.status === "restoring" ? "Loading your session…" : "Redirecting to log in…"} />;
  }
  return <>{children}</>;
}
