/** Client-side checks that mirror the auth service's rules, so most mistakes never reach it. */

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
export const MESSAGE_MAX_LENGTH = 32_000;
export const TITLE_MAX_LENGTH = 200;

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(email: string): string | null {
  if (!email.trim()) return "Enter your email address";
  if (!EMAIL_PATTERN.test(email.trim())) return "Enter a valid email address, like name@example.com";
  return null;
}

/** The auth service does not check local parts this short: they would forbid most passwords. */
const MIN_CHECKED_LOCAL_PART = 3;

/** How the auth service compares emails and passwords with them: Unicode NFKC, case folded. */
function canonical(text: string): string {
  return text.trim().normalize("NFKC").toLowerCase();
}

/**
 * The cheap part of the auth service's password policy: 12 to 128 characters, not only spaces,
 * not containing the email's name part. Its list of common and breached passwords stays on the
 * server; that refusal comes back as a 400 whose reason the form shows.
 */
export function validatePassword(email: string, password: string): string | null {
  // Characters as the server counts them (code points, not UTF-16 units).
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN_LENGTH) {
    return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return `Use at most ${PASSWORD_MAX_LENGTH} characters`;
  }
  if (!password.trim()) return "The password cannot be only spaces";
  const address = canonical(email);
  const at = address.lastIndexOf("@");
  const localPart = at >= 0 ? address.slice(0, at) : address;
  const candidate = canonical(password);
  if (address && candidate === address) return "The password must not be your email address";
  if (Array.from(localPart).length >= MIN_CHECKED_LOCAL_PART && candidate.includes(localPart)) {
    return "The password must not contain your email name (the part before @)";
  }
  return null;
}

/** The second entry of a new password, which catches a typo before it locks the user out. */
export function validateRepeat(password: string, repeat: string): string | null {
  if (!repeat) return "Enter the new password again";
  return repeat === password ? null : "The two passwords are not the same";
}

/** A path to return to after login: only same-site relative paths, never another origin. */
export function safeNextPath(next: string | null | undefined, fallback = "/chats"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (["/login", "/register", "/forgot-password", "/reset-password"].some((p) => next.startsWith(p))) return fallback;
  return next;
}
