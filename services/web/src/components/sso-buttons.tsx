"use client";

import { useQuery } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";

import { Button } from "@/components/ui/button";
import { queryKeys } from "@/lib/query-keys";
import { fetchLoginOptions, ssoLoginHref, type LoginOptions, type SsoProvider } from "@/lib/sso";

/** What the login and register pages offer; pending until the auth service has said. */
export function useLoginOptions(): { options: LoginOptions | undefined; pending: boolean } {
  const query = useQuery({
    queryKey: queryKeys.loginOptions(),
    // fetchLoginOptions never throws: an absent or failing route means the password form alone.
    queryFn: () => fetchLoginOptions((input, init) => fetch(input, init)),
    staleTime: 5 * 60_000,
  });
  return { options: query.data, pending: query.isPending };
}

/**
 * One button per single sign-on provider. Plain links, not client navigation: the auth service
 * answers with a redirect to the provider, and comes back to `next` once signed in.
 */
export function SsoButtons({ providers, next }: { providers: SsoProvider[]; next: string }) {
  if (providers.length === 0) return null;
  return (
    <div className="grid gap-2" data-testid="sso-buttons">
      {providers.map((provider) => (
        <Button key={provider.id} asChild variant="outline" className="w-full">
          <a href={ssoLoginHref(provider.id, next)}>
            <KeyRound aria-hidden />
            Continue with {provider.name}
          </a>
        </Button>
      ))}
    </div>
  );
}
