"""The audit log: who did what to whom, from where. Append-only (a trigger in migration 0004).

``record`` adds a row to the caller's session, so an event commits (or rolls back) with the
change it describes. Never put a password, token, invite code, message or API key in ``detail``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from parley_auth.emails import canonical_email
from parley_auth.models import AuditEvent, User

USER_AGENT_MAX = 300


@dataclass(frozen=True)
class Actor:
    """Who acted: an account (its email as it was then), or None for the system."""

    id: uuid.UUID
    email: str | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.email)


@dataclass(frozen=True)
class Target:
    """What was acted on: ``type`` one of user, group, invite, provider, model, registration,
    sso; ``label`` a readable name (an email, a group name)."""

    type: str
    id: str | None = None
    label: str | None = None

    @classmethod
    def user(cls, user: User) -> Target:
        return cls("user", str(user.id), user.email)


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None = None
    user_agent: str | None = None


def client_info(request: HTTPConnection) -> ClientInfo:
    """The client's address (as the trusted proxy reports it) and User-Agent (cut to 300)."""
    agent = request.headers.get("user-agent")
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=agent[:USER_AGENT_MAX] if agent else None,
    )


def _cut(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None


async def record(
    session: AsyncSession,
    kind: str,
    *,
    actor: Actor | None,
    target: Target | None = None,
    client: ClientInfo | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Add one event to ``session``; the caller commits it together with its change."""
    session.add(
        AuditEvent(
            kind=kind,
            actor_id=actor.id if actor else None,
            actor_email=_cut(actor.email, 320) if actor else None,
            target_type=target.type if target else None,
            target_id=_cut(target.id, 200) if target else None,
            target_label=_cut(target.label, 320) if target else None,
            client_ip=_cut(client.ip, 64) if client else None,
            user_agent=_cut(client.user_agent, USER_AGENT_MAX) if client else None,
            detail=dict(detail or {}),
        )
    )


_ADDRESS = TypeAdapter(EmailStr)


def _is_address(text: str) -> bool:
    # Registration's own check: "P@ssw0rd!" contains an "@" but names no mailbox.
    try:
        _ADDRESS.validate_python(text)
    except ValidationError:
        return False
    return True


async def record_refused_login(
    session: AsyncSession,
    kind: str,
    login_name: str,
    client: ClientInfo,
    detail: Mapping[str, object],
) -> None:
    """login.failed or login.throttled against the account ``login_name`` names (when one
    does); an unknown name is kept only when it looks like an address, since a password typed
    into the email field must not land in the log. The caller commits."""
    canonical = canonical_email(login_name)
    user = await session.scalar(select(User).where(User.email_canonical == canonical))
    if user is not None:
        target = Target.user(user)
    else:
        target = Target("user", None, canonical if _is_address(login_name) else None)
    await record(session, kind, actor=None, target=target, client=client, detail=detail)


# The superuser routes fastapi-users serves (/auth/users/{id}) run our UserManager hooks, which
# do not see who called: a dependency of that router keeps the caller here for them.
_ACTOR_STATE = "audit_actor"


def remember_actor(request: HTTPConnection, user: User) -> None:
    setattr(request.state, _ACTOR_STATE, Actor.of(user))


def remembered_actor(request: HTTPConnection | None) -> Actor | None:
    if request is None:
        return None
    actor = getattr(request.state, _ACTOR_STATE, None)
    return actor if isinstance(actor, Actor) else None
