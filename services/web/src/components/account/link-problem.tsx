import Link from "next/link";

import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import { CardContent, CardFooter } from "@/components/ui/card";

/** A mail's link that no longer works, with the way to a new one. */
export function LinkProblem({ message, action }: { message: string; action: { href: string; label: string } | React.ReactNode }) {
  return (
    <>
      <CardContent className="grid gap-4">
        <FormAlert>{message}</FormAlert>
      </CardContent>
      <CardFooter className="flex-col gap-3">
        {action && typeof action === "object" && "href" in action ? (
          <Button asChild className="w-full">
            <Link href={action.href}>{action.label}</Link>
          </Button>
        ) : (
          action
        )}
        <Link href="/login" className="text-sm text-muted-foreground underline-offset-4 hover:underline">
          Back to log in
        </Link>
      </CardFooter>
    </>
  );
}
