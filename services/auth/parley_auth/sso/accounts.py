"""The account an OpenID Provider's identity signs in to: the one linked to its subject, an
existing one with the same verified email (only with ``link_by_email``), or a new one. Each sign-in
then sets the user's ``sso`` groups from the groups claim, and the role when ``admin_groups`` is
set. One transaction with its audit events; the caller commits."""

from __future__ import annotations

import secrets
from typing import NamedTuple

import structlog
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.account_changes import record_account_change
from parley_auth.emails import canonical_email
from parley_auth.groups import GroupsChange, replace_sso_groups
from parley_auth.models import OAuthAccount, User
from parley_auth.passwords import AsyncPasswordHelper
from parley_auth.roles import set_role
from parley_auth.sso.client import Identity
from parley_auth.sso.config import OidcProviderConfig

log = structlog.get_logger(__name__)

SSO_FAILED = "SSO_FAILED"
SSO_EMAIL_NOT_VERIFIED = "SSO_EMAIL_NOT_VERIFIED"
SSO_ACCOUNT_EXISTS = "SSO_ACCOUNT_EXISTS"
SSO_DEACTIVATED = "SSO_DEACTIVATED"
SSO_STATE_INVALID = "SSO_STATE_INVALID"

_EMAIL = TypeAdapter(EmailStr)
# fastapi-users types the mixin's attributes as plain values: queries use the columns.
LINKS = OAuthAccount.__table__.c


class SsoRefused(Exception):
    """The sign-in is refused with ``code`` (shown to the user); ``reason`` is for the log."""

    def __init__(self, code: str, reason: str, user: User | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        # Read now: the transaction that loaded the account is rolled back before the audit.
        self.target = audit.Target.user(user) if user is not None else None


class SignedIn(NamedTuple):
    user: User
    created: bool
    linked: bool


async def _linked_user(session: AsyncSession, provider: str, subject: str) -> User | None:
    user: User | None = await session.scalar(
        select(User)
        .join(OAuthAccount, LINKS.user_id == User.__table__.c.id)
        .where(LINKS.oauth_name == provider, LINKS.account_id == subject)
    )
    return user


def _link(user: User, provider: str, identity: Identity, email: str) -> OAuthAccount:
    # fastapi-users' columns for the provider's tokens stay empty: Parley never calls the
    # provider's APIs on the user's behalf, and a stored token would only be a liability.
    return OAuthAccount(
        user_id=user.id,
        oauth_name=provider,
        account_id=identity.subject,
        account_email=email[:320],
        access_token="",
    )


def _usable_email(identity: Identity) -> str:
    if identity.email is None:
        raise SsoRefused(SSO_FAILED, "the provider sent no email")
    try:
        _EMAIL.validate_python(identity.email)
    except ValidationError:
        raise SsoRefused(SSO_FAILED, "the provider's email is not an address") from None
    if not identity.email_verified:
        raise SsoRefused(SSO_EMAIL_NOT_VERIFIED, "the provider's email is not verified")
    return identity.email


async def _unusable_password(session: AsyncSession, passwords: AsyncPasswordHelper) -> str:
    """A random password no one knows, hashed like any other (a password login or a reset then
    behaves for the account as for every other)."""
    # Nothing is written yet: end the read transaction, so no pooled connection waits on the
    # hash (~150 ms). A concurrent sign-in meanwhile ends in the caller's IntegrityError retry.
    await session.commit()
    return await passwords.hash_async(secrets.token_urlsafe(32))


async def _find_or_make(
    session: AsyncSession,
    passwords: AsyncPasswordHelper,
    provider: OidcProviderConfig,
    identity: Identity,
) -> SignedIn:
    linked = await _linked_user(session, provider.id, identity.subject)
    if linked is not None:
        return SignedIn(linked, created=False, linked=False)
    email = _usable_email(identity)
    existing = await session.scalar(
        select(User).where(User.email_canonical == canonical_email(email))
    )
    if existing is None:
        user = User(
            email=email,
            email_canonical=canonical_email(email),
            hashed_password=await _unusable_password(session, passwords),
            is_verified=True,
        )
        session.add(user)
        await session.flush()
        session.add(_link(user, provider.id, identity, email))
        await session.flush()
        return SignedIn(user, created=True, linked=False)
    if not provider.link_by_email:
        raise SsoRefused(SSO_ACCOUNT_EXISTS, "an account has this email", existing)
    if not existing.is_active:
        raise SsoRefused(SSO_DEACTIVATED, "the account is deactivated", existing)
    other = await session.scalar(
        select(LINKS.account_id).where(
            LINKS.user_id == existing.id, LINKS.oauth_name == provider.id
        )
    )
    if other is not None:
        raise SsoRefused(SSO_ACCOUNT_EXISTS, "linked to another subject of this provider", existing)
    if not existing.is_verified:
        # Whoever registered the address without proving it may know the password: it goes,
        # and with it every session (pre-account hijacking).
        existing.hashed_password = await _unusable_password(session, passwords)
        existing.is_verified = True
        await session.flush()
        await record_account_change(session, existing.id, end_sessions=True)
    session.add(_link(existing, provider.id, identity, email))
    await session.flush()
    return SignedIn(existing, created=False, linked=True)


async def _apply_role(
    session: AsyncSession,
    provider: OidcProviderConfig,
    user: User,
    identity: Identity,
    client: audit.ClientInfo,
) -> None:
    admin = provider.makes_admin(identity.groups)
    if admin is not None:
        detail = {"reason": "SSO", "provider": provider.id}
        await set_role(session, user, admin=admin, client=client, detail=detail)


async def _apply_groups(
    session: AsyncSession,
    provider: OidcProviderConfig,
    user: User,
    identity: Identity,
    client: audit.ClientInfo,
) -> GroupsChange:
    names = provider.group_names(identity.groups)
    change = await replace_sso_groups(
        session, user.id, list(names), create_missing=provider.create_groups, names=names
    )
    detail = {"user_id": str(user.id), "source": "sso", "provider": provider.id}
    for kind, slugs in (
        ("group.member_added", change.added),
        ("group.member_removed", change.removed),
    ):
        for slug in slugs:
            target = audit.Target("group", slug, names.get(slug))
            await audit.record(
                session, kind, actor=None, target=target, client=client, detail=detail
            )
    return change


async def sign_in(
    session: AsyncSession,
    passwords: AsyncPasswordHelper,
    provider: OidcProviderConfig,
    identity: Identity,
    client: audit.ClientInfo,
) -> SignedIn:
    """The account ``identity`` signs in to, with its role and sso groups refreshed from the
    claims, and the audit events of it all; raises SsoRefused. The caller commits."""
    signed_in = await _find_or_make(session, passwords, provider, identity)
    user = signed_in.user
    if not user.is_active:
        raise SsoRefused(SSO_DEACTIVATED, "the account is deactivated", user)
    actor = audit.Actor.of(user)
    target = audit.Target.user(user)
    detail: dict[str, object] = {"provider": provider.id}
    if signed_in.created:
        await audit.record(
            session, "sso.account_created", actor=actor, target=target, client=client, detail=detail
        )
    if signed_in.linked:
        await audit.record(
            session, "sso.linked", actor=actor, target=target, client=client, detail=detail
        )
    await _apply_role(session, provider, user, identity, client)
    change = await _apply_groups(session, provider, user, identity, client)
    await audit.record(
        session,
        "sso.login",
        actor=actor,
        target=target,
        client=client,
        detail={**detail, "groups_added": change.added, "groups_removed": change.removed},
    )
    log.info(
        "sso.login",
        provider=provider.id,
        user_id=str(user.id),
        created=signed_in.created,
        linked=signed_in.linked,
    )
    return signed_in
