"""Auth's account-changes feed over HTTP: one page per call, checked and parsed.

``GET {AUTH_URL}/auth/internal/account-changes?since=<RFC3339>&limit=<n>`` with the shared
``SERVICE_TOKEN`` answers ``{"changes": [...], "now": ..., "more": ...}``, oldest change first;
a change is ``{user_id, token_version, deleted, changed_at, role, groups, active}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import httpx
from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from parley_chat.accounts.states import AccountState

FEED_PATH = "/auth/internal/account-changes"
PAGE_LIMIT = 1000  # the most the feed answers per page


class FeedUnavailable(Exception):
    """The feed could not be read (auth down, refused the token, or answered nonsense)."""


class AccountChange(BaseModel):
    """One user's current state in auth, as of ``changed_at`` (auth's clock).

    ``role``, ``groups`` and ``active`` came with organisations. An older auth leaves them
    out: role and groups None (the token's claims hold, see ``Principal``), active. A
    role other than "admin" is a member's.
    """

    user_id: str = Field(min_length=1, max_length=255)
    token_version: int = Field(ge=0, strict=True)
    deleted: bool = Field(strict=True)
    changed_at: AwareDatetime
    role: str | None = Field(default=None, max_length=16)
    groups: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=1000
    )
    active: bool = Field(default=True, strict=True)

    def state(self) -> AccountState:
        """The change as the token check holds it."""
        return AccountState(
            token_version=self.token_version,
            deleted=self.deleted,
            role=self.role,
            groups=None if self.groups is None else frozenset(self.groups),
            active=self.active,
            changed_at=self.changed_at.timestamp(),
        )


class FeedPage(BaseModel):
    changes: list[AccountChange]
    now: AwareDatetime  # auth's clock when it read the page: the next poll starts before it
    more: bool  # the page was full: ask again from its last change


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC as RFC 3339 with a ``Z`` (no ``+`` to escape in a query)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class AccountFeed:
    """Reads pages of the feed with the service token; every failure is :class:`FeedUnavailable`."""

    def __init__(self, auth_url: str, service_token: str, http: httpx.AsyncClient) -> None:
        self.url = auth_url.rstrip("/") + FEED_PATH
        self._headers = {"Authorization": f"Bearer {service_token}"}
        self._http = http

    async def page(self, since: datetime, limit: int = PAGE_LIMIT) -> FeedPage:
        """The changes at or after ``since`` (auth's clock), at most ``limit`` of them."""
        params = {"since": rfc3339(since), "limit": str(limit)}
        try:
            response = await self._http.get(self.url, params=params, headers=self._headers)
        except httpx.HTTPError as exc:
            raise FeedUnavailable(type(exc).__name__) from exc
        if response.status_code != 200:
            # 401: SERVICE_TOKEN differs between auth and chat; 404: auth predates the feed.
            raise FeedUnavailable(f"HTTP {response.status_code}")
        try:
            return FeedPage.model_validate_json(response.content)
        except ValidationError as exc:
            raise FeedUnavailable("malformed feed page") from exc
