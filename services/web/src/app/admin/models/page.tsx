import { ModelsPage } from "@/components/admin/models-page";

export default function AdminModels() {
  return <ModelsPage />;
}
