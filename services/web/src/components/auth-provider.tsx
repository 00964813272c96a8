"use client";

import { createContext, useContext, useEffect, useState, useSyncExternalStore } from "react";

import { Account } from "@/lib/account";
import { AuthSession, type AuthState } from "@/lib/auth-session";

const AuthContext = createContext<AuthSession | null>(null);
const AccountContext = createContext<Account | null>(null);
const RESTORING: AuthState = { status: "restoring" };

function createSession(): AuthSession {
  const browser = typeof window !== "undefined";
  return new AuthSession({
    fetch: (input, init) => fetch(input, init),
    locks: browser && "locks" in navigator ? navigator.locks : null,
    channel: browser && "BroadcastChannel" in window ? new BroadcastChannel("parley-auth") : null,
  });
}

/** Holds the one auth session of this tab and restores it from the refresh cookie on load. */
export function AuthProvider({ children }: { children: React.ReactNode }) {
  const [session] = useState(createSession);
  const [account] = useState(() => new Account(session, (input, init) => fetch(input, init)));
  useEffect(() => {
    void session.start();
  }, [session]);
  return (
    <AuthContext.Provider value={session}>
      <AccountContext.Provider value={account}>{children}</AccountContext.Provider>
    </AuthContext.Provider>
  );
}

/** The account's operations (settings, the mails' links), on the tab's session. */
export function useAccount(): Account {
  const account = useContext(AccountContext);
  if (!account) throw new Error("useAccount must be used inside <AuthProvider>");
  return account;
}

export function useAuthSession(): AuthSession {
  const session = useContext(AuthContext);
  if (!session) throw new Error("useAuthSession must be used inside <AuthProvider>");
  return session;
}

export function useAuth(): { session: AuthSession; state: AuthState } {
  const session = useAuthSession();
  const state = useSyncExternalStore(session.subscribe, session.getState, () => RESTORING);
  return { session, state };
}
