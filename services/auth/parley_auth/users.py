"""User management: canonical emails, password policy, async hashing, mailed links, hooks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import Request
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, UUIDIDMixin, exceptions, schemas
from fastapi_users_db_sqlalchemy import SQLAlchemyUserDatabase
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.account_changes import end_sessions, record_account_change
from parley_auth.emails import canonical_email
from parley_auth.links import EMAIL_CHANGE_AUDIENCE, RESET_AUDIENCE, VERIFY_AUDIENCE, read_link
from parley_auth.mail import verify_mail
from parley_auth.models import User
from parley_auth.password_policy import MAX_PASSWORD_LENGTH, password_problem
from parley_auth.runtime import Runtime
from parley_auth.user_events import client_of as _client
from parley_auth.user_events import record_later, superuser_update_events
from parley_auth.user_mails import send_reset_mail

__all__ = ["MAX_PASSWORD_LENGTH", "UserDatabase", "UserManager", "check_password"]

log = structlog.get_logger(__name__)


async def check_password(password: str, email: str) -> None:
    """Raise fastapi-users' InvalidPasswordException with the reason when not acceptable."""
    # The strength estimate takes up to ~50 ms: not on the event loop.
    problem = await asyncio.to_thread(password_problem, password, email)
    if problem is not None:
        raise exceptions.InvalidPasswordException(reason=problem)


class UserDatabase(SQLAlchemyUserDatabase[User, uuid.UUID]):
    """fastapi-users' adapter, looking accounts up and keeping them unique by canonical email."""

    async def get_by_email(self, email: str) -> User | None:
        return await self.get_by_canonical(canonical_email(email))

    async def get_by_canonical(self, canonical: str) -> User | None:
        return await self._get_user(select(User).where(User.email_canonical == canonical))

    async def create(self, create_dict: dict[str, Any]) -> User:
        canonical = canonical_email(create_dict["email"])
        return await super().create({**create_dict, "email_canonical": canonical})

    async def update(self, user: User, update_dict: dict[str, Any]) -> User:
        values = dict(update_dict)
        if "email" in values:
            values["email_canonical"] = canonical_email(values["email"])
        return await super().update(user, values)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    """fastapi-users' manager with every argon2 call moved off the event loop."""

    user_db: UserDatabase

    def __init__(self, user_db: UserDatabase, runtime: Runtime) -> None:
        super().__init__(user_db, runtime.passwords)
        settings = runtime.settings
        self.runtime = runtime
        self.passwords = runtime.passwords
        self.reset_password_token_secret = settings.RESET_PASSWORD_TOKEN_SECRET
        self.reset_password_token_lifetime_seconds = settings.RESET_PASSWORD_TOKEN_TTL_SECONDS
        self.verification_token_secret = settings.VERIFICATION_TOKEN_SECRET
        self.verification_token_lifetime_seconds = settings.VERIFICATION_TOKEN_TTL_SECONDS

    @property
    def session(self) -> AsyncSession:
        return self.user_db.session

    async def _record(
        self,
        kind: str,
        user: User,
        request: Request | None,
        detail: Mapping[str, object] | None = None,
        *,
        actor: audit.Actor | None = None,
    ) -> None:
        """An event about ``user``, by ``actor`` (default: the user), added to the session."""
        await audit.record(
            self.session,
            kind,
            actor=actor or audit.Actor.of(user),
            target=audit.Target.user(user),
            client=_client(request),
            detail=detail,
        )

    async def release_connection(self) -> None:
        """End the (read) transaction so no pooled connection waits on a ~150 ms hash."""
        await self.session.commit()

    async def validate_password(self, password: str, user: schemas.UC | User) -> None:  # type: ignore[override]
        await check_password(password, user.email)

    async def password_matches(self, user: User, password: str | None) -> bool:
        """Whether ``password`` is the account's current one (hashed off the event loop)."""
        if not password or len(password) > MAX_PASSWORD_LENGTH:
            return False
        await self.release_connection()
        verified, _ = await self.passwords.verify_and_update_async(password, user.hashed_password)
        return verified

    async def authenticate(self, credentials: OAuth2PasswordRequestForm) -> User | None:
        user = await self.user_db.get_by_email(credentials.username)
        await self.release_connection()
        if user is None:
            # Same cost as a wrong password, so timing does not reveal which emails exist.
            await self.passwords.burn_time(credentials.password)
            return None
        verified, new_hash = await self.passwords.verify_and_update_async(
            credentials.password, user.hashed_password
        )
        if not verified:
            return None
        if new_hash is not None:
            await self.user_db.update(user, {"hashed_password": new_hash})
        return user

    async def forgot_password(self, user: User, request: Request | None = None) -> None:
        if not user.is_active:
            raise exceptions.UserInactive
        # Hashing, mailing and the audit event happen after the response: known and unknown
        # emails answer alike.
        self.runtime.background.spawn(
            send_reset_mail(self.runtime, user.id, user.email, user.hashed_password),
            name="forgot-password-mail",
        )
        self.runtime.background.spawn(
            record_later(
                self.runtime,
                "password.reset_requested",
                target=audit.Target.user(user),
                client=_client(request),
            ),
            name="forgot-password-audit",
        )

    async def reset_password(
        self, token: str, password: str, request: Request | None = None
    ) -> User:
        claims = read_link(token, RESET_AUDIENCE, self.reset_password_token_secret)
        if claims is None:
            raise exceptions.InvalidResetPasswordToken
        user = await self.get(claims.user_id)  # UserNotExists: answered like a bad token
        await self.release_connection()
        # The link is bound to the password hash it was made for: once used, it is dead.
        if not await self.passwords.fingerprint_matches(user.hashed_password, claims.bound_to):
            raise exceptions.InvalidResetPasswordToken
        if not user.is_active:
            raise exceptions.UserInactive
        updated = await self._update(user, {"password": password})
        await self.on_after_reset_password(updated, request)
        return updated

    async def verify(self, token: str, request: Request | None = None) -> User:
        """A verification link, or the link confirming an email change (to the new address)."""
        secret = self.verification_token_secret
        claims = read_link(token, VERIFY_AUDIENCE, secret)
        if claims is not None:
            user = await self.user_db.get(claims.user_id)
            if user is None or user.email_canonical != canonical_email(claims.bound_to):
                raise exceptions.InvalidVerifyToken
            if user.is_verified:
                raise exceptions.UserAlreadyVerified
            await self._record("email.verified", user, request)  # committed by the update
            verified = await self.user_db.update(user, {"is_verified": True})
            await self.on_after_verify(verified, request)
            return verified
        change = read_link(token, EMAIL_CHANGE_AUDIENCE, secret)
        if change is None:
            raise exceptions.InvalidVerifyToken
        return await self._confirm_email_change(change.user_id, change.bound_to, request)

    async def _confirm_email_change(
        self, user_id: uuid.UUID, new_email: str, request: Request | None
    ) -> User:
        user = await self.user_db.get(user_id)
        if user is None:
            raise exceptions.InvalidVerifyToken
        wanted = canonical_email(new_email)
        if user.pending_email is None or canonical_email(user.pending_email) != wanted:
            # Used already (the address is the account's now) or replaced by a newer request.
            if user.email_canonical == wanted and user.is_verified:
                raise exceptions.UserAlreadyVerified
            raise exceptions.InvalidVerifyToken
        detail = {"from": user.email, "to": user.pending_email}
        await self._record("email.changed", user, request, detail)  # committed by the update
        try:
            changed = await self.user_db.update(
                user, {"email": user.pending_email, "pending_email": None, "is_verified": True}
            )
        except IntegrityError:
            # Someone registered the address meanwhile.
            await self.session.rollback()
            raise exceptions.InvalidVerifyToken from None
        log.info("user.email_changed", user_id=str(user.id))
        await self.on_after_verify(changed, request)
        return changed

    async def _update(self, user: User, update_dict: dict[str, Any]) -> User:
        """Superuser and reset updates: emails compared canonically, passwords hashed off-loop."""
        values = dict(update_dict)
        email = values.pop("email", None)
        password = values.pop("password", None)
        if email is not None and email != user.email:
            existing = await self.user_db.get_by_email(email)
            if existing is not None and existing.id != user.id:
                raise exceptions.UserAlreadyExists
            values["email"] = email
            if canonical_email(email) != user.email_canonical:
                values["is_verified"] = False
        if password is not None:
            await check_password(password, values.get("email", user.email))
            await self.release_connection()
            values["hashed_password"] = await self.passwords.hash_async(password)
        try:
            return await self.user_db.update(user, values)
        except IntegrityError:
            await self.session.rollback()
            raise exceptions.UserAlreadyExists from None

    async def on_after_register(self, user: User, request: Request | None = None) -> None:
        log.info("user.registered", user_id=str(user.id))

    async def on_after_update(
        self, user: User, update_dict: dict[str, Any], request: Request | None = None
    ) -> None:
        # Only fastapi-users' superuser PATCH /auth/users/{id} comes here. A new password or a
        # deactivation ends every session; a role change or reactivation only goes to the feed.
        actor = audit.remembered_actor(request)
        for kind, changed in superuser_update_events(update_dict):
            await self._record(kind, user, request, {"to": changed}, actor=actor)
        if update_dict.get("password") is not None or update_dict.get("is_active") is False:
            await end_sessions(self.session, user.id)
            log.info("user.sessions_ended", user_id=str(user.id), by="update")
        elif "is_active" in update_dict or "is_superuser" in update_dict:
            await record_account_change(self.session, user.id, end_sessions=False)
        await self.session.commit()

    async def on_before_delete(self, user: User, request: Request | None = None) -> None:
        # Committed together with the deletion (user_db.delete commits): chat learns of it.
        await end_sessions(self.session, user.id, deleted=True)
        actor = audit.remembered_actor(request)
        if actor is not None:  # the superuser route; our own callers record their event
            await self._record("user.deleted", user, request, actor=actor)

    async def on_after_delete(self, user: User, request: Request | None = None) -> None:
        log.info("user.deleted", user_id=str(user.id))

    async def on_after_reset_password(self, user: User, request: Request | None = None) -> None:
        await end_sessions(self.session, user.id)
        await self._record("password.reset", user, request)
        await self.session.commit()
        await self.runtime.throttle.clear(self.session, user.email)
        log.info("user.password_reset", user_id=str(user.id))

    async def on_after_request_verify(
        self, user: User, token: str, request: Request | None = None
    ) -> None:
        subject, body = verify_mail(self.runtime.settings.PUBLIC_BASE_URL, token)
        self.runtime.background.spawn(
            self.runtime.mailer.send(user.email, subject, body), name="verify-mail"
        )

    async def on_after_verify(self, user: User, request: Request | None = None) -> None:
        log.info("user.verified", user_id=str(user.id))
