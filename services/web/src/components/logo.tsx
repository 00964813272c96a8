import { MessagesSquare } from "lucide-react";

import { cn } from "@/lib/utils";

export function Logo({ className }: { className?: string }) {
  return (
    <span className={cn("inline-flex items-center gap-2 font-semibold tracking-tight", className)}>
      <span className="inline-flex size-7 items-center justify-center rounded-md bg-brand text-white">
        <MessagesSquare className="size-4" aria-hidden />
      </span>
      Parley
    </span>
  );
}
