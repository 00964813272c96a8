"""The stored catalog: keys encrypted at rest, and changes reaching every replica unrestarted."""

from __future__ import annotations

from typing import Any

import psycopg
from cryptography.fernet import Fernet
from parley_testing import TestKey as Key

from .catalog_support import headers, model_body, provider_body, seen_within
from .conftest import running_chat

SECRET = Fernet.generate_key().decode()
KEY = "sk-live-0123456789abcdef-do-not-leak"


async def test_a_stored_key_is_encrypted_at_rest_and_never_answered(
    make_settings: Any, signing_key: Key, db_url: str, stub: Any
) -> None:
    async with running_chat(make_settings(CATALOG_SECRET_KEY=SECRET), signing_key) as chat:
        admin = headers(chat, "admin")
        body = provider_body("vault", stub.base_url, api_key=KEY)
        answers = [await chat.http.post("/api/admin/providers", json=body, headers=admin)]
        answers.append(await chat.http.get("/api/admin/providers/vault", headers=admin))
        answers.append(await chat.http.get("/api/admin/providers", headers=admin))
        answers.append(
            await chat.http.patch(
                "/api/admin/providers/vault", json={"kind": "openai"}, headers=admin
            )
        )
    assert answers[0].status_code == 201
    for answer in answers:
        assert KEY not in answer.text
    assert (answers[1].json()["key_source"], answers[1].json()["api_key_set"]) == ("stored", True)
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT p::text, api_key_encrypted FROM ai.parley_catalog_providers p"
            " WHERE id = 'vault'"
        ).fetchone()
    assert row is not None
    whole_row, token = row
    assert KEY not in whole_row
    assert Fernet(SECRET.encode()).decrypt(token.encode()).decode() == KEY

    # A replica with another secret cannot read it: it says so instead of using garbage.
    other = make_settings(CATALOG_SECRET_KEY=Fernet.generate_key().decode())
    async with running_chat(other, signing_key) as chat:
        seen = await chat.http.get("/api/admin/providers/vault", headers=headers(chat, "admin"))
    assert (seen.json()["key_source"], seen.json()["api_key_set"]) == ("stored", False)


async def test_changes_made_through_the_api_reach_a_second_replica(
    make_settings: Any, signing_key: Key, stub: Any
) -> None:
    # The periodic reload is far off: only the change notification can carry these in time.
    settings = make_settings(CATALOG_RELOAD_SECONDS=600)
    async with (
        running_chat(settings, signing_key) as first,
        running_chat(settings, signing_key) as second,
    ):
        admin = headers(first, "admin")
        await first.http.post(
            "/api/admin/providers", json=provider_body("local", stub.base_url), headers=admin
        )
        created = await first.http.post(
            "/api/admin/models", json=model_body("qwen", "local"), headers=admin
        )
        assert created.status_code == 201
        assert await seen_within(second, ["stub-model", "qwen"], seconds=2) < 2
        await first.http.patch("/api/admin/models/qwen", json={"enabled": False}, headers=admin)
        await seen_within(second, ["stub-model"], seconds=2)
        await first.http.patch("/api/admin/models/qwen", json={"enabled": True}, headers=admin)
        await seen_within(second, ["stub-model", "qwen"], seconds=2)
        await first.http.delete("/api/admin/models/qwen", headers=admin)
        await seen_within(second, ["stub-model"], seconds=2)


async def test_a_missed_notification_is_caught_by_the_periodic_reload(
    make_settings: Any, signing_key: Key, db_url: str, stub: Any
) -> None:
    async with running_chat(make_settings(CATALOG_RELOAD_SECONDS=1), signing_key) as chat:
        await chat.http.post(
            "/api/admin/providers",
            json=provider_body("local", stub.base_url),
            headers=headers(chat, "admin"),
        )
        with psycopg.connect(db_url, autocommit=True) as conn:
            # Triggers off for this session: the change is made without a notification.
            conn.execute("SET session_replication_role = replica")
            conn.execute(
                "INSERT INTO ai.parley_catalog_models (id, provider_id, upstream, display_name, "
                "context_tokens, max_output_tokens, input_price_per_million, "
                "output_price_per_million, enabled, is_default, groups) VALUES ('quiet', "
                "'local', 'quiet', 'Quiet', 4096, 512, 0, 0, true, false, '{}')"
            )
        await seen_within(chat, ["stub-model", "quiet"], seconds=3)
