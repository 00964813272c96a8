"""CONTRACT STAND-IN for auth's account-changes feed, for chat's own unit tests only.

Serves ``GET /auth/internal/account-changes`` as the shared contract describes it (bearer
SERVICE_TOKEN, ``since``/``limit``, one row per user, oldest change first, ``more`` when the
page is full; each row with the account's role, groups and active flag, left out as an older
auth does when ``legacy``). The real feed is auth's; the system tests in tests/system use it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from parley_testing import serve_asgi
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SERVICE_TOKEN = "s" * 40


@dataclass
class UserRow:
    token_version: int
    deleted: bool
    changed_at: datetime
    role: str = "member"
    groups: list[str] = field(default_factory=list)
    active: bool = True


@dataclass
class AccountFeedStandIn:
    """The feed's rows (set by the test), whether it answers, and the ``since`` it was asked."""

    rows: dict[str, UserRow] = field(default_factory=dict)
    available: bool = True
    legacy: bool = False  # answer as an auth from before roles and groups were in the feed
    asked_since: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def change(
        self,
        user_id: str,
        *,
        token_version: int = 0,
        deleted: bool = False,
        role: str = "member",
        groups: Sequence[str] = (),
        active: bool = True,
    ) -> datetime:
        """What auth's ``record_account_change`` does (a password change bumps the version, a
        role or group change does not, a deactivation does): upsert the row with the
        account's current state. Returns the row's ``changed_at``."""
        with self._lock:
            now = datetime.now(UTC)
            self.rows[user_id] = UserRow(token_version, deleted, now, role, sorted(groups), active)
        return now

    def routes(self) -> list[Route]:
        return [Route("/auth/internal/account-changes", self._changes)]

    def app(self) -> Starlette:
        return Starlette(routes=self.routes())

    async def _changes(self, request: Request) -> JSONResponse:
        if not self.available:
            return JSONResponse({"detail": "unavailable"}, status_code=503)
        if request.headers.get("authorization") != f"Bearer {SERVICE_TOKEN}":
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        since_text = request.query_params["since"]
        self.asked_since.append(since_text)
        since = datetime.fromisoformat(since_text)
        limit = int(request.query_params.get("limit", "1000"))
        with self._lock:
            now = datetime.now(UTC)
            found = sorted(
                ((uid, row) for uid, row in self.rows.items() if row.changed_at >= since),
                key=lambda item: (item[1].changed_at, item[0]),
            )
        page = found[:limit]
        changes = [self._item(uid, row) for uid, row in page]
        body = {"changes": changes, "now": now.isoformat(), "more": len(found) > limit}
        return JSONResponse(body)

    def _item(self, user_id: str, row: UserRow) -> dict[str, Any]:
        item: dict[str, Any] = {
            "user_id": user_id,
            "token_version": row.token_version,
            "deleted": row.deleted,
            "changed_at": row.changed_at.isoformat(),
        }
        if not self.legacy:
            item.update(role=row.role, groups=row.groups, active=row.active)
        return item


@contextlib.contextmanager
def serve_feed(feed: AccountFeedStandIn) -> Iterator[str]:
    """Serve the stand-in on a real socket; yields its base URL (the AUTH_URL)."""
    with serve_asgi(feed.app()) as url:
        yield url
