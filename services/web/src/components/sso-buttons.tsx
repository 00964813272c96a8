"use client";

import { KeyRound } from "lucide-react";
import { useEffect, useState } from "react";

import { Button } from "@/components/ui/button";
import { fetchLoginOptions, ssoLoginHref, type LoginOptions, type SsoProvider } from "@/lib/sso";

/**
 * What the login and register pages offer; undefined until the auth service has said. Read on
 * each mount, outside the query cache: the cache is cleared whenever nobody is signed in, which
 * is exactly when these pages show.
 */
export function useLoginOptions(): { options: LoginOptions | undefined; pending: boolean } {
  const [options, setOptions] = useState<LoginOptions | undefined>(undefined);
  useEffect(() => {
    let live = true;
    // fetchLoginOptions never throws: an absent or failing route means the password form alone.
    void fetchLoginOptions((input, init) => fetch(input, init)).then((found) => live && setOptions(found));
    return () => {
      live = false;
    };
  }, []);
  return { options, pending: options === undefined };
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
