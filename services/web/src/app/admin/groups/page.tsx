import { GroupsPage } from "@/components/admin/groups-page";

export default function AdminGroups() {
  return <GroupsPage />;
}
