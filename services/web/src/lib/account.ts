/**
 * The account's own operations: those a signed-in user does in /settings (through the
 * session's API client), and those the mails' links lead to (anonymous: reset, verify).
 */
import type { ApiClient, FetchLike } from "./api";
import type { SignOutReason } from "./auth-session";
import { ApiError, errorFromResponse, hasCode, networkError } from "./errors";
import type { User } from "./types";

/** What Account needs of the auth session (AuthSession has it). */
export interface AccountSession {
  readonly api: ApiClient;
  refreshAccessToken(): Promise<string | null>;
  userChanged(user: User): void;
  endSession(reason: SignOutReason): void;
}

/** How a mail's link (reset or verify) turned out, as its page shows it. */
export type LinkOutcome =
  | "done"
  /** The address was confirmed before (a second click on the same mail). */
  | "already_done"
  /** Expired, used, forged or cut short: the page offers a new link. */
  | "invalid_link"
  | "rate_limited"
  | "failed";

/** The outcome of posting a link's token; null error means it worked. */
export function linkOutcome(error: unknown): LinkOutcome {
  if (error === null || error === undefined) return "done";
  if (hasCode(error, "VERIFY_USER_ALREADY_VERIFIED")) return "already_done";
  if (hasCode(error, "VERIFY_USER_BAD_TOKEN") || hasCode(error, "RESET_PASSWORD_BAD_TOKEN")) {
    return "invalid_link";
  }
  // A token that is no string of the right shape is refused by validation (422) before the check.
  if (error instanceof ApiError && error.status === 422) return "invalid_link";
  if (error instanceof ApiError && error.status === 429) return "rate_limited";
  return "failed";
}

export class Account {
  constructor(
    private readonly session: AccountSession,
    private readonly fetchImpl: FetchLike,
  ) {}

  // -- from the mails' links, signed in or not

  /** Mails a reset link if the address has an account; the answer is the same either way. */
  async requestPasswordReset(email: string): Promise<void> {
    await this.post("/auth/forgot-password", { email });
  }

  async resetPassword(token: string, password: string): Promise<void> {
    await this.post("/auth/reset-password", { token, password });
  }

  /** Confirms an address (a new account's, or the new one of an email change). */
  async verifyEmail(token: string): Promise<User> {
    return (await (await this.post("/auth/verify", { token })).json()) as User;
  }

  /** Mails a new confirmation link to the address, if it has an unconfirmed account. */
  async requestVerification(email: string): Promise<void> {
    await this.post("/auth/request-verify-token", { email });
  }

  // -- signed in

  /** The user as the server has it now; the session shows it. */
  async reloadUser(): Promise<User> {
    const user = await this.session.api.json<User>("/auth/users/me");
    this.session.userChanged(user);
    return user;
  }

  /**
   * A verification changed what the access token says (`email_verified`, maybe the email): a
   * new token and the user as it now is. Only for a signed-in session.
   */
  async refreshAfterVerification(): Promise<void> {
    if (await this.session.refreshAccessToken()) await this.reloadUser();
  }

  /**
   * Changes the password. The server ends every session and sets a fresh refresh cookie in its
   * answer, so this tab refreshes at once: its access token is refused from now on.
   */
  async changePassword(currentPassword: string, password: string): Promise<void> {
    const user = await this.patchMe({ current_password: currentPassword, password });
    await this.session.refreshAccessToken();
    this.session.userChanged(user);
  }

  /** Asks for a new email: it takes effect once the link mailed to it is opened. */
  async changeEmail(currentPassword: string, email: string): Promise<User> {
    const user = await this.patchMe({ current_password: currentPassword, email });
    this.session.userChanged(user);
    return user;
  }

  /** Ends every session of the account, this one included. */
  async logoutEverywhere(): Promise<void> {
    await this.session.api.request("/auth/logout-all", { method: "POST" });
    this.session.endSession("logged_out_everywhere");
  }

  /** Deletes the account with its chats; the session ends here and in the other tabs. */
  async deleteAccount(currentPassword: string): Promise<void> {
    await this.session.api.request("/auth/users/me", {
      method: "DELETE",
      body: JSON.stringify({ current_password: currentPassword }),
    });
    this.session.endSession("account_deleted");
  }

  /**
   * Starts deleting the account by signing in again at `providerId`: the provider's URL, for the
   * caller to send the browser to. The auth service deletes the account when the provider sends
   * the browser back with the same person freshly signed in (then to /login?deleted=account).
   */
  async startSsoDeletion(providerId: string): Promise<string> {
    const body = await this.session.api.json<{ url: string }>(`/auth/sso/${encodeURIComponent(providerId)}/delete-account`, {
      method: "POST",
    });
    return body.url;
  }

  private patchMe(body: Record<string, string>): Promise<User> {
    return this.session.api.json<User>("/auth/users/me", { method: "PATCH", body: JSON.stringify(body) });
  }

  private async post(path: string, body: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      throw networkError();
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }
}
