"""A run's server-sent events: their shape and encoding, and replay of a stored run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from parley_chat import llm
from parley_chat.storage import RunRow

KEEPALIVE = b": keep-alive\n\n"


@dataclass(frozen=True)
class SseEvent:
    """One server-sent event. Ids: 0 = started, a delta's = text offset, the end's = len + 1."""

    id: int
    event: str
    data: dict[str, Any]

    def encode(self) -> bytes:
        payload = orjson.dumps(self.data)
        return b"id: %d\nevent: %s\ndata: %s\n\n" % (self.id, self.event.encode(), payload)


# What a run's event stream yields: the events ready to send, or None for a keep-alive.
Batch = list[SseEvent] | None


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def assistant_message(run_id: str, content: str, status: str, created_at: float) -> dict[str, Any]:
    return {
        "id": f"{run_id}:assistant",
        "role": "assistant",
        "content": content,
        "status": status,
        "created_at": iso(created_at),
    }


def error_payload(run_id: str, code: str) -> dict[str, Any]:
    return {"run_id": run_id, "code": code, "message": llm.ERROR_MESSAGES[code]}


def display_content(row: RunRow) -> str:
    """Reply text shown to users; unfinished runs only show text we stored ourselves."""
    status = (row.status or "").upper()
    if status == "COMPLETED":
        return row.content or ""
    # agno writes the provider's error text (or a cancel reason) into content when there was
    # no partial reply; only our own fix-up (partial text) is safe to show.
    return (row.content or "") if row.fixed else ""


def is_finished(row: RunRow) -> bool:
    return (row.status or "").upper() in {"COMPLETED", "CANCELLED", "ERROR"}


def stored_events(row: RunRow, after: int = -1) -> list[SseEvent]:
    """The events of a finished run after id ``after``, rebuilt from its stored row.

    Ids match the live ones (delta id = text offset), so a client that saw part of the reply
    gets exactly the rest. The closing event is always there, whatever ``after`` says.
    """
    text = display_content(row)
    started: dict[str, Any] = {"run_id": row.run_id}
    if row.model is not None:
        started["model"] = row.model
    events = [SseEvent(0, "run.started", started)]
    if text:
        events.append(SseEvent(len(text), "message.delta", {"text": text[max(after, 0) :]}))
    events = [e for e in events if e.id > after]
    end = closing_id(len(text) + 1, after)
    status = (row.status or "").upper()
    if status == "COMPLETED":
        message = assistant_message(row.run_id, text, "completed", row.updated_at)
        events.append(SseEvent(end, "run.completed", {"run_id": row.run_id, "message": message}))
    elif status == "CANCELLED":
        events.append(SseEvent(end, "run.cancelled", {"run_id": row.run_id}))
    else:
        code = row.error_code or llm.LLM_ERROR
        if code not in llm.ERROR_MESSAGES:
            code = llm.LLM_ERROR
        events.append(SseEvent(end, "run.error", error_payload(row.run_id, code)))
    return events


def closing_id(end: int, after: int) -> int:
    """The closing event's id: its place after the text, or past ``after`` when a client claims
    to have seen more than was stored (a replica died before saving what it streamed). Ids stay
    increasing, so a client that resumes from it asks for nothing again."""
    return max(end, after + 1)


def lost_events(run_id: str, after: int) -> list[SseEvent]:
    """The end of a run whose replica is gone without storing it."""
    events = [SseEvent(0, "run.started", {"run_id": run_id})] if after < 0 else []
    events.append(SseEvent(closing_id(1, after), "run.error", error_payload(run_id, llm.RUN_LOST)))
    return events


async def replay(events: list[SseEvent]) -> AsyncIterator[Batch]:
    yield events
