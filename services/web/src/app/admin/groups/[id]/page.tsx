import { GroupPage } from "@/components/admin/group-page";

export default async function AdminGroup({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <GroupPage groupId={id} />;
}
