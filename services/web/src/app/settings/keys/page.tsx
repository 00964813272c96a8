import type { Metadata } from "next";

import { ApiKeysPage } from "@/components/settings/api-keys-page";

export const metadata: Metadata = { title: "API keys · Parley" };

export default function SettingsKeys() {
  return <ApiKeysPage />;
}
