import { KeysPage } from "@/components/admin/keys-page";

export default function AdminKeys() {
  return <KeysPage />;
}
