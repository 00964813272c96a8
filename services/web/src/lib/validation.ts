/** Client-side checks that mirror the auth service's rules (services/auth), so most mistakes never reach it. */

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

export function validatePassword(email: string, password: string): string | null {
  // Characters as the server counts them (code points, not UTF-16 units).
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN_LENGTH) {
    return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return `Use at most ${PASSWORD_MAX_LENGTH} characters`;
  }
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf("@");
  const localPart = (at >= 0 ? trimmed.slice(0, at) : trimmed).toLowerCase();
  if (Array.from(localPart).length >= MIN_CHECKED_LOCAL_PART && password.toLowerCase().includes(localPart)) {
    return "The password must not contain your email name (the part before @)";
  }
  return null;
}

/** A path to return to after login: only same-site relative paths, never another origin. */
export function safeNextPath(next: string | null | undefined, fallback = "/chats"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (next.startsWith("/login") || next.startsWith("/register")) return fallback;
  return next;
}
