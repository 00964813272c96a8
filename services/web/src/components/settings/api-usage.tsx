"use client";

import { Copy } from "lucide-react";
import { useState } from "react";

import { SettingsCard } from "@/components/settings/settings-card";
import { Button } from "@/components/ui/button";
import { apiBaseUrl, curlExample } from "@/lib/api-keys";
import { copyText } from "@/lib/code-blocks";

/** How to use a key: the OpenAI-compatible base URL and a request to paste into a terminal. */
export function ApiUsage({ model }: { model: string | null }) {
  const [copied, setCopied] = useState<string | null>(null);
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const example = curlExample(origin, model ?? undefined);
  return (
    <SettingsCard
      id="api-usage"
      title="How to use a key"
      description="Parley speaks the OpenAI API: point any OpenAI client or library at this base URL and give it your key."
    >
      <div className="grid gap-3">
        <div className="grid gap-1">
          <span className="text-sm font-medium">Base URL</span>
          <code className="rounded-md border bg-muted px-3 py-2 font-mono text-sm break-all" data-testid="api-base-url">
            {apiBaseUrl(origin)}
          </code>
        </div>
        <div className="grid gap-1">
          <span className="text-sm font-medium">Example</span>
          <pre className="overflow-x-auto rounded-md border bg-muted px-3 py-2 font-mono text-xs">{example}</pre>
        </div>
        <div className="flex items-center gap-2">
          <Button
            size="sm"
            variant="outline"
            onClick={async () => setCopied((await copyText(example, navigator.clipboard)) ? "Example copied" : "Copy failed")}
          >
            <Copy aria-hidden />
            Copy example
          </Button>
          {copied && (
            <span role="status" className="text-xs text-muted-foreground">
              {copied}
            </span>
          )}
        </div>
        <p className="text-xs text-muted-foreground">
          Set <code>PARLEY_API_KEY</code> to your key first. Usage through a key counts as yours.
        </p>
      </div>
    </SettingsCard>
  );
}
