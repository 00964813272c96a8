"""Each provider has its own connection pool and error codes: a provider that fails, hangs or
refuses connections gives its own error, and the other provider's turns stay fast."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import httpx2
import pytest
from parley_chat.catalog import CatalogSnapshot
from parley_chat.llm import ERROR_MESSAGES
from parley_chat.providers import ConnectGuard, ProviderClients, code_for_response
from parley_testing import LlmStub, free_port
from parley_testing import TestKey as Key

from .conftest import running_chat
from .two_providers import SwitchableCatalog, model, provider, two_providers


@pytest.mark.parametrize(
    ("marker", "code"),
    [
        ("[stub:status=401]", "provider_auth_failed"),
        ("[stub:status=429]", "provider_rate_limited"),
        ("[stub:status=404]", "model_not_found"),
    ],
)
async def test_a_failing_provider_gives_its_code_and_the_other_keeps_working(
    make_settings: Any,
    signing_key: Key,
    stub: LlmStub,
    stub_two: LlmStub,
    marker: str,
    code: str,
) -> None:
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    async with running_chat(make_settings(), signing_key, catalog) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice, title="t"))["id"]
        failed = await chat.send(alice, chat_id, f"try {marker}", model="large")
        assert failed[-1].event == "run.error"
        assert failed[-1].data == {
            "run_id": failed[0].data["run_id"],
            "code": code,
            "message": ERROR_MESSAGES[code],
        }
        assert "SECRET" not in str(failed[-1].data)
        answered = await chat.send(alice, chat_id, "and you?", model="small")
        assert answered[-1].event == "run.completed"
        again = await chat.send(alice, chat_id, "better now?", model="large")
        assert again[-1].event == "run.completed"
        detail = await chat.get_chat(alice, chat_id)
        replies = [(m["model"], m["status"]) for m in detail["messages"] if m["role"] != "user"]
        assert replies == [("large", "error"), ("small", "completed"), ("large", "completed")]


async def test_a_prompt_too_long_for_the_provider_is_context_too_long(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> None:
    # The catalog believes beta's model has a large window; the server knows better.
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    stub_two.configure(context_tokens=200)
    async with running_chat(make_settings(), signing_key, catalog) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice, title="t"))["id"]
        events = await chat.send(alice, chat_id, "word " * 400, model="large")
        assert events[-1].data["code"] == "context_too_long"


async def test_a_provider_that_hangs_or_refuses_does_not_slow_the_other(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> None:
    down = provider("down", f"http://127.0.0.1:{free_port()}/v1")
    snapshot = two_providers(stub.base_url, stub_two.base_url, model("gone", "down"))
    beta = replace(snapshot.providers["beta"], timeout_seconds=2.0)
    snapshot = replace(snapshot, providers={**snapshot.providers, "down": down, "beta": beta})
    stub_two.configure(fail_mode="hang")
    async with running_chat(make_settings(), signing_key, SwitchableCatalog(snapshot)) as chat:
        users = [chat.user(f"u{i}") for i in range(12)]
        chats = [(await chat.create_chat(u, title="t"))["id"] for u in users]
        hanging = [
            asyncio.create_task(chat.send(u, c, "hello?", model="large"))
            for u, c in zip(users[:8], chats[:8], strict=True)
        ]
        for _ in range(500):
            if stub_two.stats()["in_flight"] >= 8:
                break
            await asyncio.sleep(0.01)
        refused = await chat.send(users[8], chats[8], "anyone?", model="gone")
        assert refused[-1].data["code"] == "llm_unavailable"
        for user, chat_id in zip(users[9:], chats[9:], strict=True):
            started = time.perf_counter()
            events = await chat.send(user, chat_id, "quick one", model="small")
            assert events[-1].event == "run.completed"
            assert time.perf_counter() - started < 1.0
        assert not any(task.done() for task in hanging)
        ends = await asyncio.gather(*hanging)
        assert {events[-1].data["code"] for events in ends} == {"llm_timeout"}


async def test_titles_use_the_title_model(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> None:
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    for title_model, titler in ((None, stub), ("large", stub_two)):
        stub.clear()
        stub_two.clear()
        settings = make_settings(TITLE_MODEL=title_model)
        async with running_chat(settings, signing_key, catalog) as chat:
            alice = chat.user()
            chat_id = (await chat.create_chat(alice))["id"]
            await chat.send(alice, chat_id, "name this chat", model="small")
            for _ in range(100):
                if (await chat.get_chat(alice, chat_id))["title"]:
                    break
                await asyncio.sleep(0.05)
        titles = [r for r in titler.requests() if not r.get("stream")]
        upstream = "alpha-small" if title_model is None else "beta-large"
        assert [r["model"] for r in titles] == [upstream]


async def test_a_changed_provider_gets_a_new_client_and_the_old_one_is_closed(
    stub: LlmStub, stub_two: LlmStub
) -> None:
    snapshot = two_providers(stub.base_url, stub_two.base_url)
    clients = ProviderClients(retire_margin=0.1)
    try:
        alpha = replace(snapshot.providers["alpha"], timeout_seconds=0.1)
        first = clients.client_for(alpha)
        assert clients.client_for(alpha) is first
        moved = replace(alpha, base_url=stub_two.base_url)
        second = clients.client_for(moved)
        assert second is not first
        assert str(second.base_url).startswith(stub_two.base_url)
        await asyncio.sleep(0.3)  # the old client outlives its replies in flight, then closes
        assert first.is_closed()
        clients.retain(CatalogSnapshot(providers={}, models={}))
        await asyncio.sleep(0)
    finally:
        await clients.close()
    assert second.is_closed()


def test_provider_answers_map_to_codes_users_understand() -> None:
    openai_context = (
        b'{"error": {"message": "This model\'s maximum context length is 8192 tokens.", '
        b'"type": "invalid_request_error", "code": "context_length_exceeded"}}'
    )
    vllm_context = b'{"object": "error", "message": "This model\'s maximum context length is 4096"}'
    ollama_missing = b'{"error": "model \\"llama9\\" not found, try pulling it first"}'
    assert code_for_response(400, openai_context) == "context_too_long"
    assert code_for_response(400, vllm_context) == "context_too_long"
    assert code_for_response(400, b'{"error": {"code": "model_not_found"}}') == "model_not_found"
    assert code_for_response(404, ollama_missing) == "model_not_found"
    assert code_for_response(403, b"forbidden") == "provider_auth_failed"
    assert code_for_response(400, b"bad request") == "llm_error"
    assert code_for_response(502, b"<html>bad gateway</html>") == "llm_unavailable"
    assert code_for_response(500, b"") == "llm_error"


def test_a_provider_refusing_connections_is_not_tried_for_a_moment() -> None:
    now = [100.0]
    guard = ConnectGuard(threshold=3, cooldown=5.0, clock=lambda: now[0])
    for _ in range(2):
        guard.failed()
    assert guard.open
    guard.failed()
    assert not guard.open  # three refusals in a row: fail fast
    now[0] += 5.0
    assert guard.open  # then try again
    guard.failed()
    assert not guard.open  # still down: another cooldown
    now[0] += 5.0
    guard.succeeded()
    guard.failed()
    assert guard.open


async def test_the_fail_fast_needs_no_connection(stub: LlmStub) -> None:
    down = provider("down", f"http://127.0.0.1:{free_port()}/v1")
    clients = ProviderClients()
    try:
        client = clients.client_for(down)
        for _ in range(3):
            with pytest.raises(Exception, match="Connection error"):
                await client.models.list()
        started = time.perf_counter()
        with pytest.raises(Exception, match="Connection error") as failure:
            await client.models.list()
        assert time.perf_counter() - started < 0.05
        assert isinstance(failure.value.__cause__, httpx2.ConnectError)
        assert "refused its last connections" in str(failure.value.__cause__)
    finally:
        await clients.close()
