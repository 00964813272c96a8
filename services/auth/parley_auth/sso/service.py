"""SingleSignOn: the configured providers as relying-party clients, the start of a sign-in
(where to send the browser, the state cookie) and its end (the callback checked, the identity
turned into an account). The routes in routes/sso.py only translate to HTTP."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import NamedTuple

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.config import Settings
from parley_auth.passwords import AsyncPasswordHelper
from parley_auth.site_settings import registration_policy
from parley_auth.sso.accounts import (
    SSO_FAILED,
    SSO_STATE_INVALID,
    SignedIn,
    SsoRefused,
    sign_in,
)
from parley_auth.sso.client import OidcClient, SsoProtocolError
from parley_auth.sso.state import SIGN_IN, PendingSignIn, StateCookies, safe_next

log = structlog.get_logger(__name__)


class StartedSignIn(NamedTuple):
    """Send the browser to ``url`` with ``state_cookie`` set."""

    url: str
    state_cookie: str


class CallbackQuery(NamedTuple):
    """What the provider sent back to the callback."""

    code: str | None
    state: str | None
    error: str | None


class SingleSignOn:
    """Every provider of OIDC_PROVIDERS, by id; built once per app."""

    def __init__(self, settings: Settings, secret: bytes) -> None:
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        self.clients: Mapping[str, OidcClient] = {
            p.id: OidcClient(p, f"{base}/auth/sso/{p.id}/callback") for p in settings.OIDC_PROVIDERS
        }
        self.state = StateCookies(secret)
        self.sso_only = settings.SSO_ONLY

    def client(self, provider_id: str) -> OidcClient | None:
        return self.clients.get(provider_id)

    async def start(
        self,
        client: OidcClient,
        next_path: str | None,
        *,
        purpose: str = SIGN_IN,
        user_id: uuid.UUID | None = None,
    ) -> StartedSignIn:
        """A new authorization request (for another ``purpose`` than signing in, a forced new
        login for the account ``user_id``); raises SsoRefused(SSO_FAILED) when the provider is
        unusable (its discovery document unavailable or wrong)."""
        try:
            started = await client.start(reauthenticate=purpose != SIGN_IN)
        except SsoProtocolError as error:
            raise SsoRefused(SSO_FAILED, str(error)) from None
        pending = PendingSignIn(
            provider=client.config.id,
            state=started.state,
            nonce=started.nonce,
            code_verifier=started.code_verifier,
            next=safe_next(next_path),
            purpose=purpose,
            user_id=str(user_id) if user_id is not None else "",
            started_at=int(time.time()),
        )
        return StartedSignIn(started.url, self.state.issue(pending))

    def pending(
        self, client: OidcClient, state_cookie: str | None, query: CallbackQuery
    ) -> PendingSignIn:
        """The sign-in this callback ends: the cookie's, when its state is the query's."""
        pending = self.state.read(state_cookie, client.config.id, query.state)
        if pending is None:
            raise SsoRefused(SSO_STATE_INVALID, "no state cookie, or another state")
        return pending

    async def finish(
        self,
        session: AsyncSession,
        passwords: AsyncPasswordHelper,
        client: OidcClient,
        pending: PendingSignIn,
        query: CallbackQuery,
        info: audit.ClientInfo,
    ) -> SignedIn:
        """Exchange the code, verify the ID token, sign in to the account and commit it with
        its audit events. Raises SsoRefused."""
        if query.error is not None or not query.code:
            raise SsoRefused(SSO_FAILED, f"the provider answered {query.error or 'no code'}")
        try:
            identity = await client.identity(query.code, pending.code_verifier, pending.nonce)
        except SsoProtocolError as error:
            raise SsoRefused(SSO_FAILED, str(error)) from None
        for attempt in range(2):
            try:
                signed_in = await sign_in(session, passwords, client.config, identity, info)
                await session.commit()
                return signed_in
            except IntegrityError:
                # Two first sign-ins of one person at once (two tabs): the second finds the
                # account the first made. The code is spent already: retry with the identity.
                await session.rollback()
                log.info("sso.concurrent_sign_in", provider=client.config.id, attempt=attempt)
        raise SsoRefused(SSO_FAILED, "the account changed under two attempts")


def _storable(reason: str) -> str:
    return reason[:300].replace("\x00", "")


async def record_refusal(
    session: AsyncSession, provider_id: str, refused: SsoRefused, info: audit.ClientInfo
) -> None:
    """Audit a refused sign-in (``sso.failed``) in its own transaction, and log why."""
    log.warning("sso.failed", provider=provider_id, code=refused.code, reason=refused.reason)
    await audit.record(
        session,
        "sso.failed",
        actor=None,
        target=refused.target or audit.Target("sso", provider_id),
        client=info,
        # The reason may quote the provider's error parameter: a NUL (jsonb refuses it) goes.
        detail={"provider": provider_id, "code": refused.code, "reason": _storable(refused.reason)},
    )
    await session.commit()


async def registration_open(session: AsyncSession, settings: Settings) -> bool:
    """Whether the password registration form is open: not SSO_ONLY, and the registration mode
    (an admin's saved one, else REGISTRATION) is not closed."""
    if settings.SSO_ONLY:
        return False
    policy = await registration_policy(session, settings)
    return policy.mode != "closed"
