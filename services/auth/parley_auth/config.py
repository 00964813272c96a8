"""Auth service settings, read from the environment (no prefix) by pydantic-settings."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal, NamedTuple
from urllib.parse import urlsplit, urlunsplit

from parley_common.settings import ServiceSettings, refuse_unfit
from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from parley_auth.emails import canonical_email
from parley_auth.sso.config import OidcProviderConfig, parse_providers, unique_ids

# The public development defaults of earlier versions: refused in production wherever they
# still linger in an env file. Development now makes its own (`with_development_secrets`).
DEV_RESET_PASSWORD_SECRET = "dev-reset-password-secret-change-me"  # noqa: S105
DEV_VERIFICATION_SECRET = "dev-verification-secret-change-me"  # noqa: S105
PUBLIC_SECRETS = frozenset({DEV_RESET_PASSWORD_SECRET, DEV_VERIFICATION_SECRET})
MIN_SECRET_LENGTH = 32
# Secrets development generates when they are unset; production requires every one.
GENERATED_IN_DEVELOPMENT = (
    "RESET_PASSWORD_TOKEN_SECRET",
    "VERIFICATION_TOKEN_SECRET",
    "SESSION_SECRET",
)
REQUIRED_SECRETS = (*GENERATED_IN_DEVELOPMENT, "SERVICE_TOKEN")
# One random value per secret and process: every app of one process agrees (replicas in tests),
# and nothing public can forge a link to a development stack.
_PROCESS_SECRETS = {name: secrets.token_urlsafe(32) for name in GENERATED_IN_DEVELOPMENT}


class Rate(NamedTuple):
    """At most ``limit`` requests per fixed window of ``window_seconds``."""

    limit: int
    window_seconds: int


def _parse_rate(value: object) -> object:
    # "5/3600" in the environment: five requests per hour.
    if isinstance(value, str):
        limit, _, seconds = value.partition("/")
        try:
            rate = Rate(int(limit), int(seconds))
        except ValueError:
            raise ValueError(f"expected COUNT/SECONDS, got {value!r}") from None
        if rate.limit < 1 or rate.window_seconds < 1:
            raise ValueError(f"COUNT and SECONDS must be positive, got {value!r}")
        return rate
    return value


RateSetting = Annotated[Rate, NoDecode, BeforeValidator(_parse_rate)]
ProvidersSetting = Annotated[
    list[OidcProviderConfig],
    NoDecode,
    BeforeValidator(parse_providers),
    AfterValidator(unique_ids),
]


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(ServiceSettings):
    """Every knob of the auth service; env names are the field names in upper case."""

    # Errors never echo a value: OIDC_PROVIDERS carries client secrets.
    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", hide_input_in_errors=True
    )

    DATABASE_URL: str = "postgresql+asyncpg://postgres@localhost:5432/auth"
    DB_POOL_SIZE: int = Field(default=10, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=10, ge=0)

    # Comma-separated PEM private keys: the first signs, every one is published in the JWKS.
    SIGNING_KEY_FILES: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    JWT_ISSUER: str = "parley-auth"
    JWT_AUDIENCE: str = "parley"
    ACCESS_TOKEN_TTL_SECONDS: int = Field(default=900, ge=30, le=86_400)
    REFRESH_TOKEN_TTL_DAYS: int = Field(default=30, ge=1, le=365)
    JWKS_MAX_AGE_SECONDS: int = Field(default=300, ge=0)

    # Unset in development: random per process (links die with a restart; `make dev` sets them).
    RESET_PASSWORD_TOKEN_SECRET: SecretStr = SecretStr("")
    VERIFICATION_TOKEN_SECRET: SecretStr = SecretStr("")
    # Bearer credential of the internal account-change feed (shared with chat). Unset in
    # development: the feed answers 404.
    SERVICE_TOKEN: SecretStr = SecretStr("")
    RESET_PASSWORD_TOKEN_TTL_SECONDS: int = Field(default=3600, ge=60)
    VERIFICATION_TOKEN_TTL_SECONDS: int = Field(default=86_400, ge=60)

    # "standard" is argon2id t=3 m=64 MiB p=4; "fast" is for test suites only.
    PASSWORD_HASH_PROFILE: Literal["standard", "fast"] = "standard"  # noqa: S105
    PASSWORD_HASH_WORKERS: int = Field(default=4, ge=1, le=64)

    LOGIN_THROTTLE_MAX_FAILURES: int = Field(default=10, ge=1)
    LOGIN_THROTTLE_WINDOW_SECONDS: int = Field(default=900, ge=1)
    LOGIN_THROTTLE_BASE_SECONDS: int = Field(default=60, ge=1)
    LOGIN_THROTTLE_MAX_SECONDS: int = Field(default=3600, ge=1)
    # HMAC key of the device cookies and of refresh-token successors. Unset in development: a
    # random key per process (device cookies and the refresh grace then last one process).
    SESSION_SECRET: SecretStr = SecretStr("")
    # A browser that logged in gets a signed device cookie; logins that present it are throttled
    # per device, so failures from elsewhere never lock the owner out of it (OWASP device cookies).
    DEVICE_COOKIE_TTL_DAYS: int = Field(default=365, ge=1, le=3650)
    # A refresh token presented again this soon by the same client (its response was lost) gets
    # the same successor; later, or from another client, it revokes its family as reuse.
    REFRESH_REUSE_GRACE_SECONDS: int = Field(default=10, ge=0, le=300)

    # Rate limits, COUNT/SECONDS per fixed window, counted in PostgreSQL (shared by replicas).
    RATE_LIMITS_ENABLED: bool = True
    # forgot-password and request-verify-token, per email: caps the mails one address receives.
    RATE_LIMIT_MAIL_PER_EMAIL: RateSetting = Rate(5, 3600)
    # The same two routes per client address: caps the mails one client sends.
    RATE_LIMIT_MAIL_PER_ADDRESS: RateSetting = Rate(20, 3600)
    # reset-password and verify per client address: token guessing and reset hashing.
    RATE_LIMIT_TOKEN_PER_ADDRESS: RateSetting = Rate(30, 600)
    # register per client address: every registration hashes a password.
    RATE_LIMIT_REGISTER_PER_ADDRESS: RateSetting = Rate(20, 3600)
    # PATCH and DELETE /auth/users/me per user: each checks (and may hash) a password.
    RATE_LIMIT_ACCOUNT_PER_USER: RateSetting = Rate(10, 600)

    # Request bodies past this get 413 before they are read or authenticated. The largest valid
    # body (registration: an email address, at most 254 characters, and a password of at most 128,
    # even JSON-escaped at 12 bytes a character) stays under 6 KiB.
    MAX_BODY_BYTES: int = Field(default=16 * 1024, ge=8 * 1024)

    # Who may register: anyone, addresses of REGISTRATION_DOMAINS (exact domains, comma list),
    # holders of an invite code, or nobody (accounts are then made by other means).
    REGISTRATION: Literal["open", "domains", "invite", "closed"] = "open"
    REGISTRATION_DOMAINS: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Registering a taken address answers like a new one and mails the owner. Unset: on in
    # production, off in development.
    REGISTRATION_CONCEALS_ACCOUNTS: bool | None = None

    # Single sign-on: a JSON list of OpenID Providers (fields in sso/config.py and the README).
    OIDC_PROVIDERS: ProvidersSetting = Field(default_factory=list)
    # Only single sign-on: password login, registration, reset and change answer 403.
    SSO_ONLY: bool = False

    # Expired refresh tokens, idle throttle rows and expired invites are deleted this often.
    PURGE_INTERVAL_SECONDS: float = Field(default=3600, gt=0)
    # Audit events older than this many days go in the same rounds; 0 keeps them forever.
    AUDIT_RETENTION_DAYS: int = Field(default=365, ge=0)

    # Accounts (comma list) made admins when a token is issued to them, once their address is
    # verified (in development also unverified): how a fresh installation gets its first admin.
    ADMIN_EMAILS: Annotated[list[str], NoDecode] = Field(default_factory=list)

    CORS_ORIGINS: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Base of the links in mails (the web app serves /reset-password and /verify).
    PUBLIC_BASE_URL: str = "http://localhost:8080"

    SMTP_HOST: str = ""
    SMTP_PORT: int = 587
    SMTP_USERNAME: str = ""
    SMTP_PASSWORD: SecretStr = SecretStr("")
    SMTP_FROM: str = "Parley <no-reply@localhost>"
    SMTP_STARTTLS: bool = True
    SMTP_SSL: bool = False
    SMTP_TIMEOUT_SECONDS: float = 10.0

    LOG_LEVEL: str = "INFO"
    # JSON lines for log collectors; false: readable console lines (still without secrets).
    LOG_JSON: bool = True
    # Peers whose X-Forwarded-Proto/-For are believed (comma-separated addresses or networks):
    # the gateway only. Anyone else could claim https or any client address.
    FORWARDED_ALLOW_IPS: str = "127.0.0.1"
    # On SIGTERM, keep serving this long with /auth/healthz failing, so the gateway takes the
    # replica out before it closes its connections (no request lost to a closing socket).
    SHUTDOWN_DRAIN_SECONDS: float = Field(default=3.0, ge=0, le=120)

    _split_keys = field_validator("SIGNING_KEY_FILES", "CORS_ORIGINS", mode="before")(_split_commas)
    _split_domains = field_validator("REGISTRATION_DOMAINS", "ADMIN_EMAILS", mode="before")(
        _split_commas
    )

    @property
    def conceals_accounts(self) -> bool:
        if self.REGISTRATION_CONCEALS_ACCOUNTS is None:
            return self.is_production
        return self.REGISTRATION_CONCEALS_ACCOUNTS

    @property
    def admin_emails(self) -> frozenset[str]:
        """ADMIN_EMAILS in canonical form."""
        return frozenset(canonical_email(email) for email in self.ADMIN_EMAILS)

    @property
    def async_database_url(self) -> str:
        """DATABASE_URL with the asyncpg driver, whatever scheme was given."""
        parts = urlsplit(self.DATABASE_URL)
        return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))

    def production_problems(self) -> list[str]:
        """What makes these settings unfit for production (empty when fine)."""
        problems: list[str] = []
        if not self.SIGNING_KEY_FILES:
            problems.append("SIGNING_KEY_FILES is not set (production needs a real private key)")
        seen: dict[str, str] = {}
        for name in REQUIRED_SECRETS:
            value = self.secret(name)
            if not value:
                problems.append(f"{name} is not set")
            elif value in PUBLIC_SECRETS:
                problems.append(f"{name} is the development default")
            elif len(value) < MIN_SECRET_LENGTH:
                problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
            elif value in seen:
                # One leaked key must not open the others' doors.
                problems.append(f"{seen[value]} and {name} are equal")
            else:
                seen[value] = name
        if self.REGISTRATION == "domains" and not self.REGISTRATION_DOMAINS:
            problems.append("REGISTRATION=domains needs REGISTRATION_DOMAINS")
        for provider in self.OIDC_PROVIDERS:
            problems.extend(provider.production_problems())
        if self.SSO_ONLY and not self.OIDC_PROVIDERS:
            problems.append("SSO_ONLY needs OIDC_PROVIDERS (nobody could sign in)")
        if self.PASSWORD_HASH_PROFILE != "standard":  # noqa: S105
            problems.append("PASSWORD_HASH_PROFILE must be 'standard' in production")
        return problems

    def secret(self, name: str) -> str:
        value: SecretStr = getattr(self, name)
        return value.get_secret_value()

    def check_production(self) -> None:
        """Raise SettingsError naming each unfit setting when ENV=production."""
        if self.is_production:
            refuse_unfit(self.production_problems())


class CompletedSettings(NamedTuple):
    settings: Settings
    generated: list[str]


def with_development_secrets(settings: Settings) -> CompletedSettings:
    """Development only: unset token secrets replaced by this process's random ones."""
    if settings.is_production:
        return CompletedSettings(settings, [])
    missing = [name for name in GENERATED_IN_DEVELOPMENT if not settings.secret(name)]
    update = {name: SecretStr(_PROCESS_SECRETS[name]) for name in missing}
    return CompletedSettings(settings.model_copy(update=update), missing)
