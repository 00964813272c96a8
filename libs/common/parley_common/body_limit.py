"""Request body limits (pure ASGI): 413 before the body is read, before authentication.

A declared ``Content-Length`` over the limit is refused without reading a byte. A chunked body
(no length) is counted as it arrives and refused as soon as it passes the limit; the app then
sees a client disconnect and nothing it sends goes out. Requests without a body (GET, the SSE
streams) and bodies with an allowed length pass through untouched: no wrapping, no buffering.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CONTENT_LENGTH = b"content-length"
_TRANSFER_ENCODING = b"transfer-encoding"
_DISCONNECT: Message = {"type": "http.disconnect"}


class BodyLimit(NamedTuple):
    """Bodies of requests whose path fully matches ``path`` (a regex) may have ``limit`` bytes;
    ``render`` makes the 413's JSON body from its message (default ``{"detail": message}``)."""

    path: str
    limit: int
    render: Callable[[str], dict[str, Any]] | None = None


def describe(limit: int) -> str:
    """``65536`` -> ``64 KiB``; sizes that are not whole KiB stay in bytes."""
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


class BodyLimitMiddleware:
    """Answers 413 ``{"detail": "request body too large (limit 64 KiB)"}`` past a size limit.

    ``routes`` are checked in order, the first whose pattern matches the path wins; other
    paths get ``default``. Add it outside the routes (authentication and validation run there).
    """

    def __init__(self, app: ASGIApp, default: int, routes: Sequence[BodyLimit] = ()) -> None:
        self.app = app
        self.default = default
        self.routes = [(re.compile(route.path), route) for route in routes]

    def limit_for(self, path: str) -> int:
        return self._route_for(path).limit

    def _route_for(self, path: str) -> BodyLimit:
        for pattern, route in self.routes:
            if pattern.fullmatch(path):
                return route
        return BodyLimit("", self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == _CONTENT_LENGTH:
                length = value
            elif name == _TRANSFER_ENCODING:
                chunked = True
        if length is None and not chunked:
            # HTTP/1.1 (what uvicorn speaks) has no body without either header.
            await self.app(scope, receive, send)
            return
        route = self._route_for(scope["path"])
        if length is not None and not chunked:
            if length.isdigit() and int(length) > route.limit:
                await _refuse(send, route)
                return
            # The server never hands the app more than the declared length.
            await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send, route)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, route: BodyLimit) -> None:
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return _DISCONNECT
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > route.limit:
                    if not started:
                        refused = True
                        await _refuse(send, route)
                    # Stop reading: to the app the client is gone.
                    return _DISCONNECT
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # we answered already; the app's reply to the "disconnect" is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)


async def _refuse(send: Send, route: BodyLimit) -> None:
    message = f"request body too large (limit {describe(route.limit)})"
    body = json.dumps(route.render(message) if route.render else {"detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                # No "Connection: close": uvicorn drops the unread rest of the body and keeps
                # the connection; closing with unread bytes would reset it (RST), and the
                # gateway would answer 502 and count it against this replica.
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
