import { Logo } from "@/components/logo";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

/** The centred card of the signed-out pages (log in, register, forgot, reset, verify). */
export function AuthShell({
  title,
  description,
  children,
}: {
  title: string;
  description?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center bg-muted/40 px-4 py-10">
      <Logo className="mb-6 text-lg" />
      <Card className="w-full max-w-sm">
        <CardHeader>
          <CardTitle>{title}</CardTitle>
          {description && <CardDescription>{description}</CardDescription>}
        </CardHeader>
        {children}
      </Card>
    </main>
  );
}
