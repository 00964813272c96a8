/** Errors of the auth and chat APIs, turned into words a person understands. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
    /** The body's `detail` when it is an object (chat's usage refusals carry their limit in it). */
    readonly detail: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); null when absent. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(1, Math.ceil((date - now) / 1000));
}

const WORDS: Record<string, string> = {
  REGISTER_USER_ALREADY_EXISTS: "That email is already registered",
  REGISTER_INVALID_PASSWORD: "That password is not allowed",
  REGISTRATION_CLOSED: "This server does not take new accounts. Ask its administrator for one.",
  REGISTRATION_DOMAIN_NOT_ALLOWED: "This server only takes email addresses of certain domains",
  INVITE_CODE_INVALID: "That invite code is not valid (it may have expired or been used up)",
  LOGIN_BAD_CREDENTIALS: "Wrong email or password",
  LOGIN_USER_NOT_VERIFIED: "Please verify your email address first",
  CURRENT_PASSWORD_INVALID: "Your current password is not right",
  UPDATE_USER_INVALID_PASSWORD: "That password is not allowed",
  UPDATE_USER_EMAIL_ALREADY_EXISTS: "That email is already used by another account",
  RESET_PASSWORD_BAD_TOKEN: "This reset link has expired, was already used or is not valid",
  RESET_PASSWORD_INVALID_PASSWORD: "That password is not allowed",
  VERIFY_USER_BAD_TOKEN: "This confirmation link has expired, was already used or is not valid",
  VERIFY_USER_ALREADY_VERIFIED: "This email address is already confirmed",
  EMAIL_NOT_VERIFIED: "Confirm your email to start chatting",
  ORIGIN_NOT_ALLOWED: "This page may not use your session. Open Parley from its own address.",
  NETWORK: "The server could not be reached. Check your connection and try again.",
  // Chat refuses the tokens of an account an admin deactivated (detail as chat sends it).
  "account deactivated": "Your account has been deactivated. Ask your administrator if you need it back.",
  PASSWORD_LOGIN_DISABLED: "This server signs you in through single sign-on only.",
  SSO_NOT_LINKED: "This account is not linked to that sign-in provider.",
  SSO_FAILED: "The sign-in provider could not be reached. Please try again later.",
  // The admin console's refusals.
  Forbidden: "Only administrators may do that.",
  CANNOT_CHANGE_SELF: "You cannot do that to your own account: ask another administrator.",
  LAST_ADMIN: "This is the last active administrator: make someone else an administrator first.",
  UNKNOWN_GROUP: "That group does not exist (any more). Reload the page.",
  GROUP_EXISTS: "A group with that id or name exists already.",
  ALREADY_VERIFIED: "This user has confirmed their email already.",
  USER_INACTIVE: "This account is deactivated: reactivate it first.",
  managed_by_file: "The catalog file (or the LLM_* settings) defines this entry: change it there.",
  // Chat's API keys: at most 50 that are not revoked.
  "too many keys": "You have 50 keys in use already: revoke one you no longer need first.",
};

export function tooManyAttempts(seconds: number | null): string {
  return `Too many attempts, try again in ${seconds ?? 60} s`;
}

/** Builds an ApiError from a failed response, reading FastAPI's `detail` in its three forms. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
  let detail: unknown = null;
  try {
    detail = ((await response.json()) as { detail?: unknown }).detail ?? null;
  } catch {
    // Gateways answer some errors (429, 502) with plain text.
  }
  if (response.status === 429) {
    // Chat's usage refusals say why in a sentence of their own, with the limit that refused.
    const refusal = detail as { code?: unknown; message?: unknown; retry_after?: unknown } | null;
    if (refusal && typeof refusal === "object" && typeof refusal.code === "string" && typeof refusal.message === "string") {
      const wait = retryAfter ?? (typeof refusal.retry_after === "number" ? parseRetryAfter(String(refusal.retry_after)) : null);
      return new ApiError(429, refusal.code, refusal.message, wait, detail);
    }
    // LOGIN_TOO_MANY_ATTEMPTS, RATE_LIMITED, or the gateway's plain-text answer: all say wait.
    const code = typeof detail === "string" ? detail : "TOO_MANY_REQUESTS";
    return new ApiError(429, code, tooManyAttempts(retryAfter), retryAfter);
  }
  let code = `HTTP_${response.status}`;
  let message: string | null = null;
  if (typeof detail === "string") {
    code = detail;
    // A 422 in a sentence is the server's reason in words (the chat service's refused model:
    // "model 'x' is disabled"); codes such as INVITE_CODE_INVALID have no spaces.
    if (response.status === 422 && /\s/.test(detail.trim()) && !WORDS[detail]) message = sentence(detail);
  } else if (Array.isArray(detail)) {
    // 422: pydantic's list of {loc, msg}; name the first field that failed.
    code = "VALIDATION_ERROR";
    const first = detail[0] as { loc?: unknown[]; msg?: string } | undefined;
    const field = first?.loc?.at(-1);
    message =
      field === "email" || field === "username"
        ? "Please enter a valid email address"
        : (first?.msg ?? "Please check what you entered");
  } else if (detail && typeof detail === "object") {
    const obj = detail as { code?: string; reason?: string; message?: string };
    code = obj.code ?? code;
    message = obj.reason ?? obj.message ?? null;
  }
  if (!message) {
    message =
      WORDS[code] ??
      (response.status >= 500
        ? "Something went wrong on our side. Please try again."
        : response.status === 404
          ? "Not found"
          : "The request was not accepted");
  }
  return new ApiError(response.status, code, message, retryAfter);
}

/** "model 'x' is disabled" -> "Model 'x' is disabled." */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

export function networkError(): ApiError {
  return new ApiError(0, "NETWORK", WORDS.NETWORK);
}

/** The API refused with this code (an ApiError of it), whatever the status. */
export function hasCode(error: unknown, code: string): boolean {
  return error instanceof ApiError && error.code === code;
}

/**
 * The chat service refuses an account whose email is not confirmed yet (when the server
 * requires it). True when any of these errors (ApiErrors, or a reply's `{code}`) says so.
 */
export function needsEmailConfirmation(...problems: unknown[]): boolean {
  return problems.some(
    (problem) =>
      typeof problem === "object" &&
      problem !== null &&
      (problem as { code?: unknown }).code === "EMAIL_NOT_VERIFIED",
  );
}

/**
 * An admin API's refusal in words. The chat catalog's refusals are sentences of their own
 * ("provider 'x' is used by models ['y']"), shown as they are.
 */
export function describeAdminError(error: unknown): string {
  if (error instanceof ApiError && !WORDS[error.code] && /\s/.test(error.code.trim()) && error.status < 500) {
    return sentence(error.code);
  }
  return describeError(error);
}

/** Chat refused the token because an admin deactivated the account. */
export function isAccountDeactivated(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && error.code === "account deactivated";
}

/** Any thrown value as a sentence for the UI. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return WORDS.NETWORK;
}
