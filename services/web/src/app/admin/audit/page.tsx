import { AuditPage } from "@/components/admin/audit-page";

export default function AdminAudit() {
  return <AuditPage />;
}
