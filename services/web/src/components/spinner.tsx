import { Loader2 } from "lucide-react";

export function FullPageSpinner({ label }: { label: string }) {
  return (
    <div className="flex h-dvh items-center justify-center text-muted-foreground" role="status">
      <Loader2 className="mr-2 size-5 animate-spin" aria-hidden />
      <span>{label}</span>
    </div>
  );
}
