"""The audit log: who did what to whom, from where. Append-only (a trigger in migration 0004).

``record`` adds a row to the caller's session, so an event commits (or rolls back) with the
change it describes. Never put a password, token, invite code, message or API key in ``detail``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

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
