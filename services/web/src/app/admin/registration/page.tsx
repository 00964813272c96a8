import { RegistrationPage } from "@/components/admin/registration-page";

export default function AdminRegistration() {
  return <RegistrationPage />;
}
