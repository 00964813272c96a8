import type { Metadata } from "next";
import { Suspense } from "react";

import { VerifyEmail } from "@/components/account/verify-email";

export const metadata: Metadata = { title: "Confirm email · Parley", referrer: "no-referrer" };

export default function VerifyPage() {
  return (
    <Suspense>
      <VerifyEmail />
    </Suspense>
  );
}
