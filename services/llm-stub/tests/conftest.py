"""Stub tests talk to the stub over real HTTP with the real ``openai`` client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from parley_llm_stub.app import create_app
from parley_llm_stub.config import StubConfig
from parley_testing import LlmStub, serve_asgi

ServeStub = Callable[..., AbstractContextManager[str]]
Messages = list[ChatCompletionMessageParam]


@pytest.fixture
async def client(stub: LlmStub) -> AsyncIterator[AsyncOpenAI]:
    """OpenAI client on the stub; no retries so each fault shows up once."""
    async with AsyncOpenAI(base_url=stub.base_url, api_key="sk-test", max_retries=0) as c:
        yield c


@contextlib.contextmanager
def _serve(**settings: Any) -> Iterator[str]:
    with serve_asgi(create_app(StubConfig(**settings))) as url:
        yield url + "/v1"


@pytest.fixture
def serve_stub() -> ServeStub:
    """Serve a stub with its own startup settings: ``with serve_stub(reply_words=5) as v1_url``."""
    return _serve
