"""Settings of the chat service, read from the environment (no prefix)."""

from __future__ import annotations

import json
from typing import Annotated

from parley_common.settings import ServiceSettings, SettingsError, refuse_unfit
from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from parley_chat.context_window import context_limits, counter_for_model

DEV_DATABASE_URL = "postgresql://postgres:postgres@127.0.0.1:5432/chat"
DEV_LLM_BASE_URL = "http://127.0.0.1:8090/v1"
DEFAULT_SYSTEM_PROMPT = "You are Parley, a helpful assistant. Answer clearly and concisely."
# History budget when HISTORY_MAX_TOKENS is unset and LLM_CONTEXT_TOKENS leaves at least this.
# Above what the estimate gives the longest message the API accepts (32,000 ASCII characters:
# 10,671 tokens), so that by default no message the API takes is refused as too long.
DEFAULT_HISTORY_MAX_TOKENS = 16000
# Below this a history budget holds hardly a message: such settings are a mistake.
MIN_HISTORY_TOKENS = 256
# The service token is shared with auth; shorter than this it could be guessed.
MIN_SERVICE_TOKEN_CHARS = 32


class Settings(ServiceSettings):
    """Every knob of the chat service; production refuses development defaults."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    DATABASE_URL: str = DEV_DATABASE_URL
    # Pasted into SQL (identifiers cannot be bound): a plain lower-case identifier only.
    DB_SCHEMA: str = Field(default="ai", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    # Kept open: under steady load (16+ concurrent turns) a smaller pool opened and closed
    # overflow connections all the time (~5% of the process's CPU, and a backend fork each).
    DB_POOL_SIZE: int = Field(default=20, ge=1)
    # Connections beyond the pool for bursts (thousands of streams starting at once).
    DB_MAX_OVERFLOW: int = Field(default=20, ge=0)
    DB_POOL_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0)
    MIGRATE_ON_START: bool = False

    AUTH_PUBLIC_KEYS_FILE: str | None = None
    AUTH_JWKS_URL: str | None = None
    JWT_ISSUER: str = "parley-auth"
    JWT_AUDIENCE: str = "parley"
    JWT_LEEWAY_SECONDS: int = Field(default=30, ge=0, le=300)
    JWKS_REFETCH_INTERVAL_SECONDS: float = Field(default=30.0, ge=0)
    # New keys are picked up on first use; this reload drops keys removed from the set (0: off).
    AUTH_KEYS_RELOAD_SECONDS: float = Field(default=60.0, ge=0)

    # Auth's account-changes feed (token versions, deletions): its base URL (e.g.
    # http://auth:8001) and the token shared with auth. Either unset: the follower is off.
    AUTH_URL: str | None = None
    SERVICE_TOKEN: SecretStr | None = None
    # A change (password, log out everywhere, deletion) takes effect within this plus one
    # request to auth; at most 50 so that is always within the promised 60 s.
    ACCOUNT_CHANGES_POLL_SECONDS: float = Field(default=10.0, ge=0.1, le=50)
    # Tokens without email_verified=true get 403 EMAIL_NOT_VERIFIED on every chat route.
    # Unset: on in production, off in development.
    REQUIRE_VERIFIED_EMAIL: bool | None = None

    LLM_BASE_URL: str = DEV_LLM_BASE_URL
    LLM_API_KEY: str = "not-needed"
    LLM_MODEL: str = "parley-stub"
    LLM_TIMEOUT_SECONDS: float = Field(default=60.0, gt=0)
    LLM_MAX_RETRIES: int = Field(default=1, ge=0, le=5)
    SYSTEM_PROMPT: str = DEFAULT_SYSTEM_PROMPT
    HISTORY_RUNS: int = Field(default=10, ge=0, le=100)
    # The model's context window in tokens: system prompt + history + reply must fit in it.
    LLM_CONTEXT_TOKENS: int = Field(default=32768, ge=1)
    # max_tokens of every reply; also the room kept for it in the context window.
    LLM_MAX_TOKENS: int = Field(default=1024, ge=1)
    # Tokens of history per turn (earlier turns + this turn's message). Unset: 16000, or what
    # LLM_CONTEXT_TOKENS leaves when that is less; a value that does not fit is refused.
    HISTORY_MAX_TOKENS: int | None = Field(default=None, ge=1)
    TITLE_GENERATION: bool = True
    # The catalog id of the model that names new chats; unset (or not usable): the default.
    TITLE_MODEL: str | None = None

    # Per-user limits, checked with the budgets before any model call (0: off). A refused
    # turn or API call gets 429 RATE_LIMITED with Retry-After.
    USER_REPLIES_IN_FLIGHT: int = Field(default=4, ge=0, le=1000)
    USER_TURNS_PER_MINUTE: int = Field(default=30, ge=0, le=100000)
    # The currency of the catalog's prices and of cost budgets (shown to users, never converted).
    USAGE_CURRENCY: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    # The model catalog (YAML; see the README). Set: the LLM_* settings above no longer make
    # a provider and model of their own. Either way the admin API adds entries to the database.
    MODELS_FILE: str | None = None
    # Fernet key(s) that encrypt the provider keys given to the admin API (comma-separated:
    # the first encrypts, all decrypt). Unset: the API refuses keys in clear (422) and takes
    # only api_key_env or api_key_file.
    CATALOG_SECRET_KEY: SecretStr | None = None
    # Safety net behind the change notifications: every replica rereads the stored catalog
    # this often (a notification is lost while a replica's listening connection is down).
    CATALOG_RELOAD_SECONDS: float = Field(default=30.0, ge=1, le=3600)
    # Through the admin API, api_key_file must name a file in this folder (unset: refused),
    # so an admin cannot have chat send the content of any file it can read to a URL of
    # their choice; api_key_env names must end in _API_KEY for the same reason.
    CATALOG_KEY_FILES_DIR: str | None = None

    # A reply's final save is retried this long through a database outage (restart, failover)
    # before the reply is reported as not stored; the client waits for its end meanwhile.
    FINAL_SAVE_RETRY_SECONDS: float = Field(default=10.0, ge=0, le=60)
    RUN_LEASE_SECONDS: float = Field(default=30.0, ge=3)
    RUN_BUFFER_RETENTION_SECONDS: float = Field(default=120.0, ge=0)
    SHUTDOWN_GRACE_SECONDS: float = Field(default=10.0, ge=0)
    # On SIGTERM, keep serving this long with /api/healthz failing, so the gateway takes the
    # replica out before it closes its connections (no request lost to a closing socket).
    SHUTDOWN_DRAIN_SECONDS: float = Field(default=3.0, ge=0, le=120)
    SSE_KEEPALIVE_SECONDS: float = Field(default=15.0, gt=0)

    # Request bodies past these get 413 before they are read or authenticated. A message's
    # content is at most 32,000 characters (schemas.MessageCreate); JSON-escaped as \uXXXX
    # surrogate pairs that is at most 384,000 bytes, so 512 KiB always fits a valid message.
    # Every other body (a title: 200 characters) is far below 64 KiB.
    MAX_BODY_BYTES: int = Field(default=64 * 1024, ge=1024)
    MAX_MESSAGE_BODY_BYTES: int = Field(default=512 * 1024, ge=64 * 1024)

    CORS_ORIGINS: Annotated[list[str], NoDecode] = []
    # Peers whose X-Forwarded-Proto/-For are believed (comma-separated addresses or networks):
    # the gateway only. Anyone else could claim https or any client address.
    FORWARDED_ALLOW_IPS: str = "127.0.0.1"
    LOG_LEVEL: str = "INFO"
    LOG_JSON: bool = True

    _history_max_tokens: int = PrivateAttr(default=DEFAULT_HISTORY_MAX_TOKENS)

    @field_validator("CORS_ORIGINS", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @model_validator(mode="after")
    def _fernet_keys(self) -> Settings:
        # Imported here: the catalog package imports these settings.
        from parley_chat.catalog.cipher import check_secret

        if self.CATALOG_SECRET_KEY is not None:
            try:
                check_secret(self.CATALOG_SECRET_KEY.get_secret_value())
            except ValueError as exc:
                # A SettingsError: pydantic's own error would print the key it refuses.
                raise SettingsError(str(exc)) from None
        return self

    @model_validator(mode="after")
    def _production_guard(self) -> Settings:
        # A SettingsError, not a ValueError: pydantic passes it through as itself.
        if self.is_production:
            refuse_unfit(self.production_problems())
        return self

    @model_validator(mode="after")
    def _context_fits(self) -> Settings:
        """System prompt + history + reply must fit the model's window; refuse settings that
        cannot, naming the numbers (a SettingsError, as the production guard)."""
        limits = context_limits(
            counter_for_model(self.LLM_MODEL),
            self.LLM_CONTEXT_TOKENS,
            self.LLM_MAX_TOKENS,
            self.SYSTEM_PROMPT,
        )
        room = limits.room_for_history
        explained = (
            f"LLM_CONTEXT_TOKENS={limits.context} minus LLM_MAX_TOKENS={limits.reply} and the "
            f"system prompt ({limits.system} tokens) leaves {max(room, 0)} tokens of history"
        )
        if self.HISTORY_MAX_TOKENS is not None:
            if room < self.HISTORY_MAX_TOKENS:
                raise SettingsError(
                    f"HISTORY_MAX_TOKENS={self.HISTORY_MAX_TOKENS} does not fit the model's "
                    f"context: {explained}; lower HISTORY_MAX_TOKENS or LLM_MAX_TOKENS, or "
                    "raise LLM_CONTEXT_TOKENS to the model's real window"
                )
            self._history_max_tokens = self.HISTORY_MAX_TOKENS
            return self
        if room < MIN_HISTORY_TOKENS:
            raise SettingsError(
                f"the model's context is too small for a conversation: {explained} (at least "
                f"{MIN_HISTORY_TOKENS} needed); lower LLM_MAX_TOKENS, shorten SYSTEM_PROMPT or "
                "raise LLM_CONTEXT_TOKENS"
            )
        self._history_max_tokens = min(DEFAULT_HISTORY_MAX_TOKENS, room)
        return self

    @property
    def history_max_tokens(self) -> int:
        """The history budget in force: HISTORY_MAX_TOKENS, or derived (see the field)."""
        return self._history_max_tokens

    @property
    def require_verified_email(self) -> bool:
        """REQUIRE_VERIFIED_EMAIL, or its default for the mode (on in production)."""
        if self.REQUIRE_VERIFIED_EMAIL is None:
            return self.is_production
        return self.REQUIRE_VERIFIED_EMAIL

    @property
    def follows_account_changes(self) -> bool:
        """Both AUTH_URL and SERVICE_TOKEN are set: the account-changes follower runs."""
        return bool(self.AUTH_URL and self.SERVICE_TOKEN and self.SERVICE_TOKEN.get_secret_value())

    def production_problems(self) -> list[str]:
        """What makes these settings unfit for production (empty when fine)."""
        problems: list[str] = []
        if not (self.AUTH_PUBLIC_KEYS_FILE or self.AUTH_JWKS_URL):
            problems.append(
                "ENV=production requires AUTH_PUBLIC_KEYS_FILE or AUTH_JWKS_URL to verify tokens"
            )
        if self.DATABASE_URL == DEV_DATABASE_URL:
            problems.append("ENV=production refuses the development default DATABASE_URL")
        if "*" in self.CORS_ORIGINS:
            problems.append("ENV=production refuses CORS_ORIGINS='*'")
        problems.extend(self._service_token_problems())
        return problems

    def _service_token_problems(self) -> list[str]:
        """A feed half configured would silently accept revoked tokens: refuse it."""
        token = self.SERVICE_TOKEN.get_secret_value() if self.SERVICE_TOKEN else ""
        if not self.AUTH_URL:
            return [
                "ENV=production requires AUTH_URL and SERVICE_TOKEN: without the account-changes "
                "feed, ended sessions and deleted accounts keep their tokens until they expire"
            ]
        if len(token) < MIN_SERVICE_TOKEN_CHARS:
            return [
                f"ENV=production requires SERVICE_TOKEN ({MIN_SERVICE_TOKEN_CHARS}+ characters, "
                "the same as auth's) when AUTH_URL is set"
            ]
        return []

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL with the psycopg 3 driver that agno's async engine needs."""
        _scheme, sep, rest = self.DATABASE_URL.partition("://")
        return f"postgresql+psycopg://{rest}" if sep else self.DATABASE_URL

    @property
    def libpq_url(self) -> str:
        """DATABASE_URL without a SQLAlchemy driver suffix, for plain psycopg."""
        _scheme, sep, rest = self.DATABASE_URL.partition("://")
        return f"postgresql://{rest}" if sep else self.DATABASE_URL
