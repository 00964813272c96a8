"""Request and response bodies of the chat API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints, field_validator, model_validator

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# A catalog model id (checked against the catalog by the route, with a 422 naming it).
ModelId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def clean_text(value: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogates (JSON allows both)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value.replace("\x00", "")


class ChatCreate(BaseModel):
    title: Title | None = None
    # The chat's model; None: the catalog default (at each turn).
    model: ModelId | None = None

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
    """A new title and/or model; ``"model": null`` goes back to the catalog default, a field
    left out is kept."""

    title: Title | None = None
    model: ModelId | None = None

    @field_validator("title")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("title must not be null")
        cleaned = clean_text(value).strip()
        if not cleaned:
            raise ValueError("title must not be blank")
        return cleaned

    @model_validator(mode="after")
    def _something(self) -> ChatUpdate:
        if not self.model_fields_set & {"title", "model"}:
            raise ValueError("give a title or a model")
        return self

    @property
    def sets_model(self) -> bool:
        return "model" in self.model_fields_set


class MessageCreate(BaseModel):
    content: Annotated[str, StringConstraints(min_length=1, max_length=32_000)]
    # This turn's model; None: the chat's model, else the catalog default.
    model: ModelId | None = None

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
    model: str | None = None  # the chat's model; None: the catalog default


class ChatList(BaseModel):
    items: list[ChatOut]
    next_cursor: str | None


class MessageOut(BaseModel):
    id: str
    role: Literal["user", "assistant"]
    content: str
    status: Literal["completed", "cancelled", "error"]
    created_at: str
    model: str | None = None  # on a reply: the catalog id of the model that answered


class ChatDetail(ChatOut):
    # The newest turns (or those before ``before``), oldest first.
    messages: list[MessageOut]
    # A reply still being generated (its messages appear once it ends): reattach with
    # GET /api/chats/{id}/runs/{active_run_id}/events.
    active_run_id: str | None = None
    # Older turns exist: GET /api/chats/{id}?before={older_cursor} returns the page before.
    older_cursor: str | None = None
