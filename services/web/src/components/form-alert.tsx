import { AlertCircle, CheckCircle2 } from "lucide-react";

import { Alert, AlertDescription } from "@/components/ui/alert";

/** A form's message: an error (destructive), or a notice or success (default). */
export function FormAlert({ kind = "error", children }: { kind?: "error" | "notice" | "success"; children: React.ReactNode }) {
  const Icon = kind === "success" ? CheckCircle2 : AlertCircle;
  return (
    <Alert variant={kind === "error" ? "destructive" : "default"}>
      <Icon aria-hidden className={kind === "success" ? "text-brand" : undefined} />
      <AlertDescription>{children}</AlertDescription>
    </Alert>
  );
}
