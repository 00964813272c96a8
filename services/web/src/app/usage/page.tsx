import { UsagePage } from "@/components/usage/usage-page";

export default function Usage() {
  return <UsagePage />;
}
