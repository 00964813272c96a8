"""Chats and their messages, read straight from agno's tables."""

from __future__ import annotations

import base64
import binascii
import uuid

from parley_chat.runs.events import display_content, iso
from parley_chat.schemas import ChatDetail, ChatOut, MessageOut
from parley_chat.storage import ChatRow, ChatWithRuns, ListCursor, RunRow


class InvalidCursor(ValueError):
    """The list or message cursor was not made by us."""


def encode_cursor(row: ChatRow) -> str:
    return base64.urlsafe_b64encode(f"{row.updated_at}:{row.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> ListCursor:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        updated, _, chat_id = raw.partition(":")
        stamp = int(updated)
        if not 0 <= stamp < 2**63:
            raise InvalidCursor
        return ListCursor(stamp, str(uuid.UUID(chat_id)))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor from exc


def encode_turn_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"turn:{index}".encode()).decode().rstrip("=")


def decode_turn_cursor(cursor: str) -> int:
    """The turn index an ``older_cursor`` points before."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = raw.partition(":")
        index = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor from exc
    if kind != "turn" or not 0 <= index < 2**31:
        raise InvalidCursor
    return index


def chat_out(row: ChatRow) -> ChatOut:
    return ChatOut(
        id=row.id,
        title=row.title,
        created_at=iso(row.created_at),
        updated_at=iso(row.updated_at),
        model=row.model,
    )


_STATUS = {"COMPLETED": "completed", "CANCELLED": "cancelled", "ERROR": "error"}


def messages_of(runs: list[RunRow], active_run_id: str | None = None) -> list[MessageOut]:
    """The user's message and the reply of each run, in order.

    The reply of the run in flight is left out (follow it with the events endpoint); a run
    left RUNNING by a replica that died shows as a failed, empty reply.
    """
    messages: list[MessageOut] = []
    for run in runs:
        raw = (run.status or "").upper()
        status = _STATUS.get(raw)
        if status is None and raw not in {"RUNNING", "PENDING"}:
            continue  # a state we never produce
        messages.append(
            MessageOut(
                id=f"{run.run_id}:user",
                role="user",
                content=run.input or "",
                status="completed",
                created_at=iso(run.created_at),
            )
        )
        if status is None and run.run_id == active_run_id:
            continue
        messages.append(
            MessageOut(
                id=f"{run.run_id}:assistant",
                role="assistant",
                content=display_content(run),
                status=status or "error",  # type: ignore[arg-type]
                created_at=iso(run.updated_at),
                model=run.model,
            )
        )
    return messages


def chat_detail(found: ChatWithRuns) -> ChatDetail:
    return ChatDetail(
        **chat_out(found.chat).model_dump(),
        messages=messages_of(found.runs, found.active_run_id),
        active_run_id=found.active_run_id,
        older_cursor=None if found.older is None else encode_turn_cursor(found.older),
    )
