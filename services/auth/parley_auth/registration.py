"""Registration: who may register (REGISTRATION), invites, and concealing taken addresses.

With ``conceals_accounts``, a taken address answers exactly like a new one: the same 201 and
body shape (a random id), the same hash spent, and a mail to the owner instead of an account.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi_users import exceptions
from sqlalchemy.exc import IntegrityError

from parley_auth import audit
from parley_auth.emails import canonical_email
from parley_auth.invites import invite_usable, redeem_invite
from parley_auth.models import User
from parley_auth.schemas import RegisterRequest, UserRead
from parley_auth.site_settings import registration_policy
from parley_auth.user_mails import send_registration_attempt_mail
from parley_auth.users import UserManager

REGISTRATION_CLOSED = "REGISTRATION_CLOSED"
REGISTRATION_DOMAIN_NOT_ALLOWED = "REGISTRATION_DOMAIN_NOT_ALLOWED"
INVITE_CODE_INVALID = "INVITE_CODE_INVALID"


class RegistrationRefused(Exception):
    """The registration policy says no; ``code`` is the API's error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def register(
    manager: UserManager, request: RegisterRequest, client: audit.ClientInfo | None = None
) -> UserRead:
    """A new account, or (concealing) a look-alike answer; raises RegistrationRefused,
    InvalidPasswordException, or UserAlreadyExists (when not concealing)."""
    runtime = manager.runtime
    email = str(request.email)
    canonical = canonical_email(email)
    session = manager.session
    # What an admin saved (site_settings), else REGISTRATION / REGISTRATION_DOMAINS.
    policy = await registration_policy(session, runtime.settings)
    if policy.mode == "closed":
        raise RegistrationRefused(REGISTRATION_CLOSED)
    if policy.mode == "domains" and canonical.rpartition("@")[2] not in policy.domains:
        raise RegistrationRefused(REGISTRATION_DOMAIN_NOT_ALLOWED)
    invite_code = (request.invite_code or "").strip()
    if policy.mode == "invite" and not (invite_code and await invite_usable(session, invite_code)):
        raise RegistrationRefused(INVITE_CODE_INVALID)
    await manager.validate_password(request.password, request)  # type: ignore[arg-type]

    existing = await manager.user_db.get_by_canonical(canonical)
    await manager.release_connection()
    # Hashed in either case: a taken address costs what a new one does.
    hashed = await manager.passwords.hash_async(request.password)
    if existing is not None:
        return _taken(manager, existing.email, email)

    user = User(
        id=uuid.uuid4(),
        email=email,
        email_canonical=canonical,
        hashed_password=hashed,
        is_active=True,
        is_superuser=False,
        is_verified=False,
    )
    try:
        if policy.mode == "invite" and not await redeem_invite(session, invite_code):
            await session.rollback()  # used up or deleted since the check above
            raise RegistrationRefused(INVITE_CODE_INVALID)
        session.add(user)
        await audit.record(
            session,
            "user.registered",
            actor=audit.Actor.of(user),
            target=audit.Target.user(user),
            client=client,
            detail={"invite": True} if policy.mode == "invite" else {},
        )
        await session.commit()
    except IntegrityError:
        # Lost a race against a registration of the same address.
        await session.rollback()
        return _taken(manager, email, email)
    await session.refresh(user)
    await manager.on_after_register(user)
    return UserRead.model_validate(user)


def _taken(manager: UserManager, owner_email: str, typed_email: str) -> UserRead:
    runtime = manager.runtime
    if not runtime.settings.conceals_accounts:
        raise exceptions.UserAlreadyExists
    runtime.background.spawn(
        send_registration_attempt_mail(runtime, owner_email), name="registration-attempt-mail"
    )
    return UserRead(
        id=uuid.uuid4(),
        email=typed_email,
        is_active=True,
        is_superuser=False,
        is_verified=False,
        created_at=datetime.now(UTC),
        pending_email=None,
    )
