"""``serve_asgi`` runs apps on real sockets; ``llm_stub`` hands tests a live stub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from parley_testing import LlmStub, free_port, serve_asgi
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


def make_app(events: list[str]) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    return Starlette(routes=[Route("/", hello)], lifespan=lifespan)


def test_serve_asgi_serves_until_the_block_ends() -> None:
    events: list[str] = []
    with serve_asgi(make_app(events)) as url:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(url).text == "hello"
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_serve_asgi_reports_a_failed_startup() -> None:
    @asynccontextmanager
    async def broken(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield

    failing = serve_asgi(Starlette(lifespan=broken), log_level="critical")
    with pytest.raises(RuntimeError, match="uvicorn exited during startup"), failing:
        pass


def test_free_port_can_be_bound() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_llm_stub_fixture(llm_stub: LlmStub) -> None:
    assert llm_stub.base_url.endswith("/v1")
    llm_stub.reset()
    body = {"model": "m", "messages": [{"role": "user", "content": "ping"}]}
    with llm_stub.configured(reply_words=4):
        reply = httpx.post(llm_stub.base_url + "/chat/completions", json=body).json()
        assert reply["choices"][0]["message"]["content"].split()[:4] == [
            "Stub",
            "reply",
            "to:",
            "ping.",
        ]
    assert llm_stub.config()["reply_words"] == 30  # restored after the block
    assert llm_stub.requests() == [body]
    with pytest.raises(ValueError, match="fail_mode"):
        llm_stub.configure(fail_mode="nonsense")
    llm_stub.clear()
    assert llm_stub.requests() == []
