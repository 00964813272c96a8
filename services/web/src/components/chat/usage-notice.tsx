"use client";

import { AlertCircle, Gauge, X } from "lucide-react";
import Link from "next/link";

import { useNow } from "@/components/use-now";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { lowBudgetNotice } from "@/lib/usage/notice";
import { refusalWhen, type UsageRefusal } from "@/lib/usage/refusal";
import type { UsageReport } from "@/lib/usage/types";

/**
 * Over the composer: why the last message was refused (a budget used up, a rate limit) and when
 * to try again; otherwise, when the tightest budget is low, how much is left.
 */
export function UsageNotice({
  refusal,
  usage,
  onDismiss,
}: {
  refusal: UsageRefusal | null;
  usage: UsageReport | undefined;
  onDismiss: () => void;
}) {
  const now = useNow(15_000);
  if (refusal) {
    const when = refusalWhen(refusal, now);
    return (
      <Alert variant="destructive" className="mb-2 pr-10" data-testid="usage-refusal">
        <AlertCircle aria-hidden />
        <AlertTitle>{refusal.code === "BUDGET_EXCEEDED" ? "Not sent: budget used up" : "Not sent: too many messages"}</AlertTitle>
        <AlertDescription>
          <p>{refusal.message}</p>
          {when && <p data-testid="usage-refusal-when">{when}</p>}
          <p>
            Your message is kept below.{" "}
            <Link href="/usage" className="underline underline-offset-2">
              See your usage
            </Link>
          </p>
        </AlertDescription>
        <Button
          type="button"
          variant="ghost"
          size="icon-sm"
          className="absolute top-1.5 right-1.5 text-current"
          aria-label="Dismiss"
          onClick={onDismiss}
        >
          <X aria-hidden />
        </Button>
      </Alert>
    );
  }
  const low = lowBudgetNotice(usage, now);
  if (!low) return null;
  return (
    <p
      role="status"
      data-testid="usage-low"
      className="mb-2 flex flex-wrap items-center gap-x-2 gap-y-1 rounded-lg border border-amber-500/40 bg-amber-500/10 px-3 py-2 text-xs text-amber-900 dark:text-amber-200"
    >
      <Gauge className="size-4 shrink-0" aria-hidden />
      <span>{low}</span>
      <Link href="/usage" className="underline underline-offset-2">
        Usage
      </Link>
    </p>
  );
}
