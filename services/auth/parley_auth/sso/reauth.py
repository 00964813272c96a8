"""Deleting an account with single sign-on instead of a password (an account SSO made has none
its owner knows): the provider must sign the person in again (prompt=login, max_age=0, an
``auth_time`` after the start) as the subject linked to the account that asked; then the
account goes as it does with its password."""

from __future__ import annotations

import hmac
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.account import delete_audited
from parley_auth.models import User
from parley_auth.sso.accounts import LINKS, SSO_DEACTIVATED, SSO_FAILED, SsoRefused
from parley_auth.sso.client import LEEWAY_SECONDS, OidcClient, SsoProtocolError
from parley_auth.sso.service import CallbackQuery, SingleSignOn, StartedSignIn
from parley_auth.sso.state import DELETE_ACCOUNT, PendingSignIn
from parley_auth.users import UserManager

SSO_NOT_LINKED = "SSO_NOT_LINKED"
SSO_REAUTH_MISMATCH = "SSO_REAUTH_MISMATCH"
SSO_REAUTH_STALE = "SSO_REAUTH_STALE"
# Where the browser goes back to when the provider's answer does not delete the account.
SETTINGS_PATH = "/settings"


async def linked_subject(session: AsyncSession, provider_id: str, user_id: uuid.UUID) -> str | None:
    """The provider's subject linked to the account, if it is linked to that provider."""
    subject: str | None = await session.scalar(
        select(LINKS.account_id).where(LINKS.user_id == user_id, LINKS.oauth_name == provider_id)
    )
    return subject


async def start_deletion(
    sso: SingleSignOn, session: AsyncSession, client: OidcClient, user: User
) -> StartedSignIn:
    """The provider's forced login that will delete ``user``; raises SsoRefused
    (SSO_NOT_LINKED, or SSO_FAILED when the provider is unusable)."""
    if await linked_subject(session, client.config.id, user.id) is None:
        raise SsoRefused(SSO_NOT_LINKED, "the account is not linked to this provider", user)
    # Nothing to write: no pooled connection waits on the provider's discovery document.
    await session.commit()
    return await sso.start(client, SETTINGS_PATH, purpose=DELETE_ACCOUNT, user_id=user.id)


async def _account(session: AsyncSession, pending: PendingSignIn) -> User:
    try:
        user_id = uuid.UUID(pending.user_id)
    except ValueError:
        raise SsoRefused(SSO_FAILED, "the state names no account") from None
    user = await session.get(User, user_id)
    if user is None:
        raise SsoRefused(SSO_FAILED, "the account is gone")
    if not user.is_active:
        raise SsoRefused(SSO_DEACTIVATED, "the account is deactivated", user)
    return user


async def delete_confirmed(
    manager: UserManager,
    client: OidcClient,
    pending: PendingSignIn,
    query: CallbackQuery,
    info: audit.ClientInfo,
) -> None:
    """Exchange the code, verify the ID token, and delete the account the re-authentication
    was started for, if the provider just signed in its linked subject. Raises SsoRefused."""
    if query.error is not None or not query.code:
        raise SsoRefused(SSO_FAILED, f"the provider answered {query.error or 'no code'}")
    try:
        identity = await client.identity(query.code, pending.code_verifier, pending.nonce)
    except SsoProtocolError as error:
        raise SsoRefused(SSO_FAILED, str(error)) from None
    session = manager.session
    user = await _account(session, pending)
    subject = await linked_subject(session, client.config.id, user.id)
    if subject is None or not hmac.compare_digest(subject.encode(), identity.subject.encode()):
        raise SsoRefused(SSO_REAUTH_MISMATCH, "the provider signed in another subject", user)
    # A provider that kept its session instead of asking again gives an older auth_time (or
    # none): holding a session there proves no more than holding one here.
    if identity.auth_time is None or identity.auth_time < pending.started_at - LEEWAY_SECONDS:
        raise SsoRefused(SSO_REAUTH_STALE, f"auth_time {identity.auth_time} is not recent", user)
    detail: dict[str, object] = {"confirmed_by": "sso", "provider": client.config.id}
    await delete_audited(manager, user, audit.Actor.of(user), info, detail)
