"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";

import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import type { NewApiKey } from "@/lib/api-keys";
import { copyText } from "@/lib/code-blocks";

/** The secret of a key just made: shown here once, the server keeps only its hash. */
export function NewKeyDialog({ created, onClose }: { created: NewApiKey | null; onClose: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <Dialog
      open={created !== null}
      onOpenChange={(open) => {
        if (open) return;
        setCopied(null);
        onClose();
      }}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Your new API key</DialogTitle>
          <DialogDescription>
            Copy the key “{created?.name}” now and keep it somewhere safe.
          </DialogDescription>
        </DialogHeader>
        <FormAlert kind="notice">You will not see it again: Parley keeps only a fingerprint of it.</FormAlert>
        <p className="rounded-md border bg-muted px-3 py-2 font-mono text-sm break-all select-all" data-testid="new-api-key">
          {created?.key}
        </p>
        <DialogFooter className="items-center">
          {copied && (
            <span role="status" className="text-xs text-muted-foreground sm:mr-auto">
              {copied}
            </span>
          )}
          <Button
            variant="outline"
            onClick={async () => {
              const ok = created ? await copyText(created.key, navigator.clipboard) : false;
              setCopied(ok ? "Key copied" : "Copy failed: select the key and copy it by hand");
            }}
          >
            <Copy aria-hidden />
            Copy key
          </Button>
          <Button
            onClick={() => {
              setCopied(null);
              onClose();
            }}
          >
            <Check aria-hidden />
            Done
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
