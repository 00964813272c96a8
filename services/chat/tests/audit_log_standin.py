"""CONTRACT STAND-IN for auth's ``POST /auth/internal/audit``, for chat's own unit tests only.

It checks the bearer SERVICE_TOKEN, records each body it accepts (204), can answer 503 to the
next attempts, as an auth that is down or restarting would, and 422 to an event it finds
invalid. The real route is auth's;
the system tests in tests/system run chat against it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from parley_testing import serve_asgi
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .account_feed_standin import SERVICE_TOKEN, AccountFeedStandIn


@dataclass
class AuditLogStandIn:
    """The bodies auth accepted, the status of every attempt, and how many to refuse next."""

    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    refuse_next: int = 0  # answer 503 to this many attempts first
    invalid_target: str | None = None  # answer 422 to events about this target id
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def routes(self) -> list[Route]:
        return [Route("/auth/internal/audit", self._record, methods=["POST"])]

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.received)

    async def _record(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {SERVICE_TOKEN}":
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        body = await request.json()
        with self._lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                self.answers.append(503)
                return JSONResponse({"detail": "unavailable"}, status_code=503)
            if body.get("target_id") == self.invalid_target:
                self.answers.append(422)
                return JSONResponse({"detail": "invalid event"}, 422)
            self.received.append(body)
            self.answers.append(204)
        return Response(status_code=204)


@contextlib.contextmanager
def serve_auth(feed: AccountFeedStandIn, audit: AuditLogStandIn) -> Iterator[str]:
    """Both stand-ins on one real socket, as auth serves both routes; yields the AUTH_URL."""
    with serve_asgi(Starlette(routes=feed.routes() + audit.routes())) as url:
        yield url
