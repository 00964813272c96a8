"""The app with two providers, and the official ``openai`` client pointed at its /api/v1."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from openai import AsyncOpenAI
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import Chat, User, running_chat
from .two_providers import SwitchableCatalog, two_providers


@contextlib.asynccontextmanager
async def two_provider_chat(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> AsyncIterator[Chat]:
    """alpha (the stub): "small", the default; beta (the second stub): "large" and "secret"
    (staff)."""
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    async with running_chat(make_settings(), signing_key, catalog) as running:
        yield running


def client(chat: Chat, user: User | None = None, key: str | None = None) -> AsyncOpenAI:
    """As a script would: a Parley key, else the user's access token; no retries."""
    token = key if key is not None else (user or chat.user()).token
    return AsyncOpenAI(base_url=f"{chat.url}/api/v1", api_key=token, max_retries=0)
