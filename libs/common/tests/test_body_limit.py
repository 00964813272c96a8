"""Body limits: 413 with a JSON detail before the app (and its authentication) sees the body."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import Body, Depends, FastAPI, Header, HTTPException
from parley_common.body_limit import BodyLimit, BodyLimitMiddleware, describe
from starlette.types import Message, Receive, Scope, Send

MESSAGE_LIMIT = 4096
DEFAULT_LIMIT = 1024


def build_app(calls: list[str]) -> FastAPI:
    """Routes like the services': FastAPI reads a JSON body before it runs the dependencies."""
    app = FastAPI()

    async def authenticated(authorization: str = Header("")) -> None:
        calls.append("auth")
        if authorization != "Bearer ok":
            raise HTTPException(401, "not authenticated")

    @app.post("/api/chats/{chat_id}/messages", dependencies=[Depends(authenticated)])
    async def message(text: str = Body(embed=True)) -> dict[str, int]:
        return {"received": len(text)}

    @app.post("/api/chats", dependencies=[Depends(authenticated)])
    async def create(text: str = Body(embed=True)) -> dict[str, int]:
        return {"received": len(text)}

    app.add_middleware(
        BodyLimitMiddleware,
        default=DEFAULT_LIMIT,
        routes=[BodyLimit(r"/api/chats/[^/]+/messages", MESSAGE_LIMIT)],
    )
    return app


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
async def client(calls: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(calls))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        headers={"Authorization": "Bearer ok", "Content-Type": "application/json"},
    ) as c:
        yield c


def body(size: int) -> bytes:
    """A JSON body of exactly ``size`` bytes: ``{"text": "xxx..."}`` (12 bytes of frame)."""
    return b'{"text": "' + b"x" * (size - 12) + b'"}'


async def chunks(size: int, piece: int = 500) -> AsyncIterator[bytes]:
    """The same body without Content-Length: httpx sends it chunked."""
    data = body(size)
    for start in range(0, size, piece):
        yield data[start : start + piece]


async def test_declared_length_over_the_limit_is_refused_before_authentication(
    client: httpx.AsyncClient, calls: list[str]
) -> None:
    answer = await client.post(
        "/api/chats", content=body(DEFAULT_LIMIT + 1), headers={"Authorization": ""}
    )
    assert answer.status_code == 413
    assert answer.json() == {"detail": "request body too large (limit 1 KiB)"}
    assert calls == []  # authentication never ran


async def test_chunked_body_over_the_limit_is_refused_before_authentication(
    client: httpx.AsyncClient, calls: list[str]
) -> None:
    answer = await client.post(
        "/api/chats", content=chunks(DEFAULT_LIMIT * 3), headers={"Authorization": ""}
    )
    assert answer.status_code == 413
    assert answer.json() == {"detail": "request body too large (limit 1 KiB)"}
    assert "auth" not in calls


async def test_routes_have_their_own_limit(client: httpx.AsyncClient) -> None:
    path = "/api/chats/abc/messages"
    allowed = await client.post(path, content=body(MESSAGE_LIMIT))
    assert allowed.json() == {"received": MESSAGE_LIMIT - 12}
    allowed_chunked = await client.post(path, content=chunks(MESSAGE_LIMIT))
    assert allowed_chunked.json() == {"received": MESSAGE_LIMIT - 12}
    too_large = await client.post(path, content=body(MESSAGE_LIMIT + 1))
    assert too_large.status_code == 413
    assert too_large.json()["detail"] == "request body too large (limit 4 KiB)"
    too_large_chunked = await client.post(path, content=chunks(MESSAGE_LIMIT + 1))
    assert too_large_chunked.status_code == 413
    # Other paths keep the default.
    assert (await client.post("/api/chats", content=body(2000))).status_code == 413


async def test_allowed_bodies_reach_the_app_whole(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/chats", content=body(DEFAULT_LIMIT))
    assert answer.status_code == 200 and answer.json() == {"received": DEFAULT_LIMIT - 12}
    chunked = await client.post("/api/chats", content=chunks(DEFAULT_LIMIT, piece=100))
    assert chunked.status_code == 200 and chunked.json() == {"received": DEFAULT_LIMIT - 12}


async def test_bodiless_and_declared_length_requests_are_not_wrapped() -> None:
    """The streaming hot path (GET streams, JSON posts with a length) pays no per-message cost."""
    seen: list[tuple[Receive, Send]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((receive, send))

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    middleware = BodyLimitMiddleware(app, default=10)
    for headers in ([], [(b"content-length", b"10")]):
        scope: Scope = {"type": "http", "path": "/api/chats", "headers": headers}
        await middleware(scope, receive, send)
    assert seen == [(receive, send), (receive, send)]


@pytest.mark.parametrize(
    ("limit", "text"),
    [(64 * 1024, "64 KiB"), (512 * 1024, "512 KiB"), (1024 * 1024, "1 MiB"), (1000, "1000 bytes")],
)
def test_limits_are_described_for_people(limit: int, text: str) -> None:
    assert describe(limit) == text
