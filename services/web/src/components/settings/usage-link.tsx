import { ChartColumn, ChevronRight } from "lucide-react";
import Link from "next/link";

import { SettingsCard } from "@/components/settings/settings-card";
import { Button } from "@/components/ui/button";

/** /settings' way to /usage: what the account has used, and the budgets that apply to it. */
export function UsageLink() {
  return (
    <SettingsCard
      id="usage-link"
      title="Usage"
      description="Tokens and cost of your messages and API calls, per day and per model, and the budgets and limits that apply to you."
    >
      <Button asChild variant="outline">
        <Link href="/usage">
          <ChartColumn aria-hidden />
          See your usage
          <ChevronRight aria-hidden />
        </Link>
      </Button>
    </SettingsCard>
  );
}
