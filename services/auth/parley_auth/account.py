"""An account's own changes: password, email (verified before it counts), deletion."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from fastapi_users import exceptions

from parley_auth import audit
from parley_auth.account_changes import end_sessions
from parley_auth.emails import canonical_email
from parley_auth.models import User
from parley_auth.schemas import MeUpdate
from parley_auth.user_mails import send_email_change_mail
from parley_auth.users import UserManager, check_password

log = structlog.get_logger(__name__)


class CurrentPasswordInvalid(Exception):
    """``current_password`` is missing or wrong."""


@dataclass(frozen=True)
class AccountUpdate:
    user: User
    # A fresh refresh token after a password change, for this browser to stay signed in.
    refresh_token: str | None


async def update_account(
    manager: UserManager, user: User, change: MeUpdate, client: audit.ClientInfo
) -> AccountUpdate:
    """Apply ``change``; raises CurrentPasswordInvalid, InvalidPasswordException or
    UserAlreadyExists before anything is written."""
    if change.password is None and change.email is None:
        return AccountUpdate(user, None)
    if not await manager.password_matches(user, change.current_password):
        raise CurrentPasswordInvalid
    new_email = str(change.email) if change.email is not None else None
    changes_address = new_email is not None and canonical_email(new_email) != user.email_canonical
    if changes_address and new_email is not None:
        taken = await manager.user_db.get_by_email(new_email)
        if taken is not None:
            raise exceptions.UserAlreadyExists
    if change.password is not None:
        await check_password(change.password, user.email)

    session = manager.session
    refresh_token = None
    actor, target = audit.Actor.of(user), audit.Target.user(user)
    if change.password is not None:
        await manager.release_connection()
        user.hashed_password = await manager.passwords.hash_async(change.password)
        session.add(user)
        await session.flush()
        await end_sessions(session, user.id)
        await audit.record(session, "password.changed", actor=actor, target=target, client=client)
    if new_email is not None and changes_address:
        user.pending_email = new_email
        await audit.record(
            session,
            "email.change_requested",
            actor=actor,
            target=target,
            client=client,
            detail={"to": new_email},
        )
    elif new_email is not None:
        # The same mailbox written differently (letter case): nothing to verify.
        user.email, user.pending_email = new_email, None
    session.add(user)
    await session.commit()
    await session.refresh(user)
    if change.password is not None:
        refresh_token = await manager.runtime.refresh_tokens.issue(session, user.id)
        log.info("user.password_changed", user_id=str(user.id))
    if new_email is not None and changes_address:
        manager.runtime.background.spawn(
            send_email_change_mail(manager.runtime, user.id, new_email), name="email-change-mail"
        )
    return AccountUpdate(user, refresh_token)


async def delete_account(
    manager: UserManager, user: User, current_password: str, client: audit.ClientInfo
) -> None:
    """Delete the account and its sessions; chat deletes its chats from the feed."""
    if not await manager.password_matches(user, current_password):
        raise CurrentPasswordInvalid
    await delete_audited(manager, user, audit.Actor.of(user), client)


async def delete_audited(
    manager: UserManager,
    user: User,
    actor: audit.Actor,
    client: audit.ClientInfo,
    detail: dict[str, object] | None = None,
) -> None:
    """Delete the account with its ``user.deleted`` event (the deletion commits both)."""
    await audit.record(
        manager.session,
        "user.deleted",
        actor=actor,
        target=audit.Target.user(user),
        client=client,
        detail=detail,
    )
    await manager.delete(user)


async def log_out_everywhere(manager: UserManager, user: User, client: audit.ClientInfo) -> None:
    await end_sessions(manager.session, user.id)
    await audit.record(
        manager.session,
        "sessions.revoked",
        actor=audit.Actor.of(user),
        target=audit.Target.user(user),
        client=client,
    )
    await manager.session.commit()
    log.info("user.sessions_ended", user_id=str(user.id), by="logout-all")
