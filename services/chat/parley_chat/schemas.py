"""Request and response bodies of the chat API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints, field_validator

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def clean_text(value: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogates (JSON allows both)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value.replace("\x00", "")


class ChatCreate(BaseModel):
    title: Title | None = None

    @field_validator("title")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if not value:
            return value
        cleaned = clean_text(value).strip()
        if not cleaned:
            raise ValueError("title must not be blank")
        return cleaned


class ChatUpdate(BaseModel):
    title: Title

    @field_validator("title")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        cleaned = clean_text(value).strip()
        if not cleaned:
            raise ValueError("title must not be blank")
        return cleaned


class MessageCreate(BaseModel):
    content: Annotated[str, StringConstraints(min_length=1, max_length=32_000)]

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = clean_text(value)
        if not value.strip():
            raise ValueError("content must not be blank")
        return value


class ChatOut(BaseModel):
    id: str
    title: str | None
    created_at: str
    updated_at: str


class ChatList(BaseModel):
    items: list[ChatOut]
    next_cursor: str | None


class MessageOut(BaseModel):
    id: str
    role: Literal["user", "assistant"]
    content: str
    status: Literal["completed", "cancelled", "error"]
    created_at: str


class ChatDetail(ChatOut):
    # The newest turns (or those before ``before``), oldest first.
    messages: list[MessageOut]
    # A reply still being generated (its messages appear once it ends): reattach with
    # GET /api/chats/{id}/runs/{active_run_id}/events.
    active_run_id: str | None = None
    # Older turns exist: GET /api/chats/{id}?before={older_cursor} returns the page before.
    older_cursor: str | None = None
