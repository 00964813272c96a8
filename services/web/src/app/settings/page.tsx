import { Suspense } from "react";

import { SettingsPage } from "@/components/settings/settings-page";

export default function Settings() {
  // The page reads ?sso_error= (a refused deletion coming back from the provider).
  return (
    <Suspense>
      <SettingsPage />
    </Suspense>
  );
}
