"""Callers and bodies the catalog tests share."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from .conftest import Chat


def headers(chat: Chat, role: str = "member", **claims: Any) -> dict[str, str]:
    """A fresh user's bearer header; ``role="admin"`` as auth gives superusers."""
    token = chat.signing_key.token(str(uuid.uuid4()), role=role, **claims)
    return {"Authorization": f"Bearer {token}"}


def provider_body(provider_id: str, base_url: str, **fields: Any) -> dict[str, Any]:
    return {"id": provider_id, "kind": "vllm", "base_url": base_url, **fields}


def model_body(model_id: str, provider: str, **fields: Any) -> dict[str, Any]:
    values = {"context_tokens": 8192, "max_output_tokens": 1024, **fields}
    return {"id": model_id, "provider": provider, **values}


async def visible_models(chat: Chat, **claims: Any) -> list[str]:
    """The model ids GET /api/models lists for a member (with ``claims``)."""
    response = await chat.http.get("/api/models", headers=headers(chat, **claims))
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["items"]]


async def seen_within(chat: Chat, expected: list[str], seconds: float) -> float:
    """Seconds until GET /api/models on ``chat`` lists exactly ``expected`` (fails after)."""
    started = time.monotonic()
    while (await visible_models(chat)) != expected:
        assert time.monotonic() - started < seconds, await visible_models(chat)
        await asyncio.sleep(0.05)
    return time.monotonic() - started
