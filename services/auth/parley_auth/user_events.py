"""Audit helpers of the account flows that fastapi-users drives (UserManager hooks)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from parley_auth import audit
from parley_auth.runtime import Runtime


def client_of(request: Request | None) -> audit.ClientInfo | None:
    return audit.client_info(request) if request is not None else None


def superuser_update_events(update_dict: dict[str, Any]) -> list[tuple[str, object]]:
    """Audit kinds of a superuser PATCH, each with its new value (never a password)."""
    events: list[tuple[str, object]] = []
    if "is_superuser" in update_dict:
        events.append(("user.role_changed", "admin" if update_dict["is_superuser"] else "member"))
    if "is_active" in update_dict:
        active = bool(update_dict["is_active"])
        events.append(("user.reactivated" if active else "user.deactivated", active))
    if update_dict.get("password") is not None:
        events.append(("password.reset", None))
    if "email" in update_dict:
        events.append(("email.changed", update_dict["email"]))
    return events


async def record_later(
    runtime: Runtime, kind: str, *, target: audit.Target, client: audit.ClientInfo | None
) -> None:
    """An audit event in its own transaction, after the response (timing must not tell)."""
    async with runtime.sessionmaker() as session:
        await audit.record(session, kind, actor=None, target=target, client=client)
        await session.commit()
