import { UsersPage } from "@/components/admin/users-page";

export default function AdminUsers() {
  return <UsersPage />;
}
