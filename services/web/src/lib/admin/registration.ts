/** The registration policy and invites as the console edits and shows them. Pure. */
import type { Invite, InviteCreate, RegistrationMode } from "./types";

export const REGISTRATION_MODES: { mode: RegistrationMode; label: string; description: string }[] = [
  { mode: "open", label: "Open", description: "Anyone may create an account." },
  { mode: "domains", label: "Domains", description: "Only email addresses of the domains below." },
  { mode: "invite", label: "Invite only", description: "Only with an invite code made below." },
  { mode: "closed", label: "Closed", description: "Nobody may create an account by password." },
];

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/** The domains typed (one a line, or separated by commas or spaces), lower-cased, once each. */
export interface ParsedDomains {
  domains: string[];
  /** What does not look like a domain name ("@example.com" is taken as "example.com"). */
  invalid: string[];
}

export function parseDomains(text: string): ParsedDomains {
  const domains: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const domain = raw.trim().toLowerCase().replace(/^@/, "").replace(/\.$/, "");
    if (!domain) continue;
    if (!DOMAIN.test(domain)) invalid.push(raw.trim());
    else if (!domains.includes(domain)) domains.push(domain);
  }
  return { domains, invalid };
}

/** A policy that cannot work: "domains" without any domain would refuse everyone silently. */
export function policyProblem(mode: RegistrationMode, parsed: ParsedDomains): string | null {
  if (parsed.invalid.length) return `Not a domain name: ${parsed.invalid.join(", ")}`;
  if (mode === "domains" && parsed.domains.length === 0) return "Add at least one domain, or choose another mode";
  return null;
}

/** The register page's link that fills the code in (`/register?invite=CODE`). */
export function inviteLink(origin: string, code: string): string {
  return `${origin.replace(/\/$/, "")}/register?invite=${encodeURIComponent(code)}`;
}

/** The form's fields (as typed) to the request body; errors name the field. */
export function inviteBody(form: { note: string; days: string; uses: string }):
  | { body: InviteCreate; error: null }
  | { body: null; error: string } {
  const note = form.note.trim();
  if (note.length > 200) return { body: null, error: "The note is 200 characters at most" };
  const days = form.days.trim() ? Number(form.days) : null;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) {
    return { body: null, error: "Valid for 1 to 3650 days, or leave it empty for no expiry" };
  }
  const uses = form.uses.trim() ? Number(form.uses) : 1;
  if (!Number.isInteger(uses) || uses < 1 || uses > 100_000) {
    return { body: null, error: "Uses: a whole number from 1 to 100000" };
  }
  return { body: { note: note || null, expires_in_days: days, max_uses: uses }, error: null };
}

export type InviteState = "active" | "expired" | "used_up";

export function inviteState(invite: Invite, now = Date.now()): InviteState {
  if (invite.uses >= invite.max_uses) return "used_up";
  if (invite.expires_at && Date.parse(invite.expires_at) <= now) return "expired";
  return "active";
}
