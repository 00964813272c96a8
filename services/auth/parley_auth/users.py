"""User management: password policy, async hashing, duplicate-safe writes, mail hooks."""

from __future__ import annotations

import uuid
from typing import Any

import jwt
import structlog
from fastapi import Request
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, UUIDIDMixin, exceptions, schemas
from fastapi_users.jwt import decode_jwt, generate_jwt
from fastapi_users.manager import RESET_PASSWORD_TOKEN_AUDIENCE
from fastapi_users_db_sqlalchemy import SQLAlchemyUserDatabase
from sqlalchemy import column, func, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.config import Settings
from parley_auth.db import create_engine
from parley_auth.mail import reset_password_mail, verify_mail
from parley_auth.models import User
from parley_auth.runtime import Runtime

log = structlog.get_logger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# Shorter local parts (``jo@``) would forbid nearly every password, so they are not checked.
MIN_CHECKED_LOCAL_PART = 3


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` is not acceptable for ``email``, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must have at most {MAX_PASSWORD_LENGTH} characters"
    local_part = email.rsplit("@", 1)[0].lower()
    if len(local_part) >= MIN_CHECKED_LOCAL_PART and local_part in password.lower():
        return "Password must not contain the email address"
    return None


def check_password(password: str, email: str) -> None:
    """Raise fastapi-users' InvalidPasswordException with the reason when not acceptable."""
    problem = password_problem(password, email)
    if problem is not None:
        raise exceptions.InvalidPasswordException(reason=problem)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    """fastapi-users' manager with every argon2 call moved off the event loop."""

    user_db: SQLAlchemyUserDatabase[User, uuid.UUID]

    def __init__(self, user_db: SQLAlchemyUserDatabase[User, uuid.UUID], runtime: Runtime) -> None:
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

    async def _release_connection(self) -> None:
        """End the (read) transaction so no pooled connection waits on a ~150 ms hash."""
        await self.session.commit()

    async def validate_password(self, password: str, user: schemas.UC | User) -> None:  # type: ignore[override]
        check_password(password, user.email)

    async def create(
        self,
        user_create: schemas.UC,  # type: ignore[override]
        safe: bool = False,
        request: Request | None = None,
    ) -> User:
        await self.validate_password(user_create.password, user_create)
        if await self.user_db.get_by_email(user_create.email) is not None:
            raise exceptions.UserAlreadyExists
        # Same fields as fastapi-users' create_update_dict(_superuser), which are untyped.
        excluded = {"id", "is_superuser", "is_active", "is_verified"} if safe else {"id"}
        user_dict = user_create.model_dump(exclude_unset=True, exclude=excluded)
        await self._release_connection()
        user_dict["hashed_password"] = await self.passwords.hash_async(user_dict.pop("password"))
        try:
            created = await self.user_db.create(user_dict)
        except IntegrityError:
            # Lost a race against a registration of the same email (any letter case).
            await self.session.rollback()
            raise exceptions.UserAlreadyExists from None
        await self.on_after_register(created, request)
        return created

    async def authenticate(self, credentials: OAuth2PasswordRequestForm) -> User | None:
        user = await self.user_db.get_by_email(credentials.username)
        await self._release_connection()
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
        # Hashing and mailing happen after the response: known and unknown emails answer alike.
        self.runtime.background.spawn(
            send_reset_mail(self.runtime, user.id, user.email, user.hashed_password),
            name="forgot-password-mail",
        )

    async def reset_password(
        self, token: str, password: str, request: Request | None = None
    ) -> User:
        try:
            data = decode_jwt(
                token, self.reset_password_token_secret, [self.reset_password_token_audience]
            )
            user_id = self.parse_id(data["sub"])
            fingerprint = str(data["password_fgpt"])
        except (jwt.PyJWTError, KeyError, exceptions.InvalidID):
            raise exceptions.InvalidResetPasswordToken from None
        user = await self.get(user_id)
        await self._release_connection()
        valid, _ = await self.passwords.verify_and_update_async(user.hashed_password, fingerprint)
        if not valid:
            raise exceptions.InvalidResetPasswordToken
        if not user.is_active:
            raise exceptions.UserInactive
        updated = await self._update(user, {"password": password})
        await self.on_after_reset_password(updated, request)
        return updated

    async def _update(self, user: User, update_dict: dict[str, Any]) -> User:
        values = dict(update_dict)
        email = values.pop("email", None)
        password = values.pop("password", None)
        if email is not None and email != user.email:
            existing = await self.user_db.get_by_email(email)
            if existing is not None and existing.id != user.id:
                raise exceptions.UserAlreadyExists
            values["email"] = email
            if email.lower() != user.email.lower():
                values["is_verified"] = False
        if password is not None:
            check_password(password, values.get("email", user.email))
            await self._release_connection()
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
        if update_dict.get("password") is not None:
            # A new password ends every other session too.
            await self.runtime.refresh_tokens.revoke_user(self.session, user.id)
            log.info("user.password_changed", user_id=str(user.id))

    async def on_after_reset_password(self, user: User, request: Request | None = None) -> None:
        await self.runtime.refresh_tokens.revoke_user(self.session, user.id)
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


async def send_reset_mail(
    runtime: Runtime, user_id: uuid.UUID, email: str, hashed_password: str
) -> None:
    """The forgot-password work: a token bound to the current password hash, then the mail."""
    fingerprint = await runtime.passwords.hash_async(hashed_password)
    token = generate_jwt(
        {"sub": str(user_id), "password_fgpt": fingerprint, "aud": RESET_PASSWORD_TOKEN_AUDIENCE},
        runtime.settings.RESET_PASSWORD_TOKEN_SECRET,
        runtime.settings.RESET_PASSWORD_TOKEN_TTL_SECONDS,
    )
    subject, body = reset_password_mail(runtime.settings.PUBLIC_BASE_URL, token)
    await runtime.mailer.send(email, subject, body)


async def set_superuser(settings: Settings, email: str, value: bool) -> bool:
    """Grant or revoke the superuser flag of the account ``email`` (any letter case)."""
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            users = table("users", column("id"), column("email"), column("is_superuser"))
            result = await conn.execute(
                update(users)
                .where(func.lower(users.c.email) == email.strip().lower())
                .values(is_superuser=value)
                .returning(users.c.id)
            )
            return result.first() is not None
    finally:
        await engine.dispose()
