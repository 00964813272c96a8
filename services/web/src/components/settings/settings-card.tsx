import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";

/** One section of /settings: a heading (named for screen readers), a sentence, its form. */
export function SettingsCard({
  id,
  title,
  description,
  children,
  className,
}: {
  id: string;
  title: string;
  description: React.ReactNode;
  children: React.ReactNode;
  className?: string;
}) {
  return (
    <Card aria-labelledby={`${id}-heading`} className={className}>
      <CardHeader>
        <h2 id={`${id}-heading`} className="font-semibold">
          {title}
        </h2>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}
