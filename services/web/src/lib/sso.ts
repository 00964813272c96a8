/**
 * Single sign-on as the login page shows it: the providers of `GET /auth/sso/providers`, whether
 * the password form and the register link show, the link that starts a provider's sign-in, and a
 * failed sign-in's `?sso_error=CODE` in words; and how the settings page confirms a deletion
 * (the password, or a new sign-in at a linked provider). Pure but for the one fetch.
 */
import type { FetchLike } from "./api";
import type { User } from "./types";

export interface SsoProvider {
  id: string;
  name: string;
}

/** What the login and register pages offer (the auth service's `GET /auth/sso/providers`). */
export interface LoginOptions {
  providers: SsoProvider[];
  /** False on an SSO-only server: no password form, no "forgot password". */
  password_login: boolean;
  /** False when the server takes no new accounts by password: no register link. */
  registration: boolean;
}

/** A server without single sign-on (or one whose auth service predates it). */
export const PASSWORD_ONLY: LoginOptions = { providers: [], password_login: true, registration: true };

/** The sign-in options; PASSWORD_ONLY when the route is absent, fails or answers nonsense. */
export async function fetchLoginOptions(fetchImpl: FetchLike): Promise<LoginOptions> {
  let response: Response;
  try {
    response = await fetchImpl("/auth/sso/providers", { headers: { Accept: "application/json" } });
  } catch {
    // Unreachable: the password form is the one way in that may still work once it is back.
    return PASSWORD_ONLY;
  }
  if (!response.ok) return PASSWORD_ONLY;
  try {
    return parseLoginOptions(await response.json());
  } catch {
    return PASSWORD_ONLY;
  }
}

/** Checks the answer's shape field by field: a missing flag keeps the password-only default. */
export function parseLoginOptions(body: unknown): LoginOptions {
  if (typeof body !== "object" || body === null) return PASSWORD_ONLY;
  const raw = body as { providers?: unknown; password_login?: unknown; registration?: unknown };
  const providers = Array.isArray(raw.providers)
    ? raw.providers.filter(
        (p): p is SsoProvider =>
          typeof p === "object" && p !== null && typeof (p as SsoProvider).id === "string" && typeof (p as SsoProvider).name === "string",
      )
    : [];
  return {
    providers: providers.map(({ id, name }) => ({ id, name })),
    password_login: typeof raw.password_login === "boolean" ? raw.password_login : true,
    registration: typeof raw.registration === "boolean" ? raw.registration : true,
  };
}

/**
 * Where a provider's button leads: the auth service redirects to the provider and, once signed
 * in, back to `next` (a same-site path, checked by the caller with `safeNextPath`).
 */
export function ssoLoginHref(providerId: string, next: string): string {
  return `/auth/sso/${encodeURIComponent(providerId)}/login?next=${encodeURIComponent(next)}`;
}

const SSO_ERRORS: Record<string, string> = {
  SSO_FAILED: "Single sign-on did not work. Please try again, or ask your administrator if it keeps failing.",
  SSO_EMAIL_NOT_VERIFIED:
    "Your sign-in provider has not confirmed your email address, so Parley cannot use it. Confirm it there, then try again.",
  SSO_ACCOUNT_EXISTS:
    "A Parley account with this email already exists and is not linked to this sign-in provider. Log in with your password, or ask your administrator to link the accounts.",
  SSO_DEACTIVATED: "Your account has been deactivated. Ask your administrator if you need it back.",
  SSO_STATE_INVALID:
    "The sign-in took too long or was started in another browser window. Please start again from this page.",
  // The deletion's refusals (they come back to /settings?sso_error=CODE).
  SSO_REAUTH_MISMATCH:
    "You signed in at your provider as someone other than this account's owner. Nothing was deleted.",
  SSO_REAUTH_STALE: "Your provider did not ask you to sign in again, so Parley could not confirm it is you. Nothing was deleted.",
  SSO_NOT_LINKED: "This account is not linked to that sign-in provider. Nothing was deleted.",
};

/** A failed single sign-on's code (`/login?sso_error=CODE`) in words; null when there is none. */
export function ssoErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  return SSO_ERRORS[code] ?? SSO_ERRORS.SSO_FAILED!;
}

/** What the login or register page shows under these options. */
export interface LoginPage {
  /** The email and password form (with "Forgot password?" on the login page). */
  passwordForm: boolean;
  /** The link to the other page: "Create an account" on login, "Log in" on register. */
  otherLink: boolean;
  /** The register page has no form: say why instead. */
  registrationClosed: boolean;
}

export function loginPage(options: LoginOptions, mode: "login" | "register"): LoginPage {
  const passwordForm = options.password_login && (mode === "login" || options.registration);
  return {
    passwordForm,
    otherLink: mode === "register" || (options.password_login && options.registration),
    registrationClosed: mode === "register" && !passwordForm,
  };
}

/** How the settings page confirms an account's deletion. */
export interface DeletionMethods {
  /** A new sign-in at one of these (the configured providers the account is linked to). */
  providers: SsoProvider[];
  /** The current password: always for an unlinked account; for a linked one only where passwords sign in. */
  password: boolean;
}

/**
 * An account single sign-on made has no password its owner knows: a linked account confirms with
 * its provider. It may have a password as well (linked by email, or set by a reset), so the
 * field stays wherever passwords are in use.
 */
export function deletionMethods(user: Pick<User, "sso_providers">, options: LoginOptions): DeletionMethods {
  const linked = new Set(user.sso_providers ?? []);
  const providers = options.providers.filter((p) => linked.has(p.id));
  return { providers, password: providers.length === 0 || options.password_login };
}
