import { UsagePage } from "@/components/admin/usage-page";

export default function AdminUsage() {
  return <UsagePage />;
}
