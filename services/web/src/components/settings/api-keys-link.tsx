import { ChevronRight, KeyRound } from "lucide-react";
import Link from "next/link";

import { SettingsCard } from "@/components/settings/settings-card";
import { Button } from "@/components/ui/button";

/** /settings' way to the keys page: keys are a list of their own, too long for a card here. */
export function ApiKeysLink() {
  return (
    <SettingsCard
      id="api-keys-link"
      title="API keys"
      description="Use Parley's models from your own programs and scripts, through the OpenAI-compatible API."
    >
      <Button asChild variant="outline">
        <Link href="/settings/keys">
          <KeyRound aria-hidden />
          Manage API keys
          <ChevronRight aria-hidden />
        </Link>
      </Button>
    </SettingsCard>
  );
}
