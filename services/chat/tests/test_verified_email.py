"""REQUIRE_VERIFIED_EMAIL: an unverified account can sign in but cannot chat (403), and the
settings that go with the account feed."""

from __future__ import annotations

from typing import Any

import pytest
from parley_chat.config import Settings
from parley_common.settings import SettingsError
from parley_testing import TestKey as Key

from .conftest import running_chat

PRODUCTION: dict[str, Any] = {
    "ENV": "production",
    "DATABASE_URL": "postgresql://u:p@db/chat",
    "AUTH_JWKS_URL": "http://auth:8001/auth/.well-known/jwks.json",
    "AUTH_URL": "http://auth:8001",
    "SERVICE_TOKEN": "t" * 32,
}


async def test_an_unverified_email_gets_403_on_every_chat_route(
    make_settings: Any, signing_key: Key
) -> None:
    async with running_chat(make_settings(REQUIRE_VERIFIED_EMAIL=True), signing_key) as chat:
        verified = chat.user("alice")
        chat_id = (await chat.create_chat(verified))["id"]
        for email_verified in (False, None):  # false, or a token without the claim
            token = signing_key.token(verified.id, email_verified=email_verified)
            headers = {"Authorization": f"Bearer {token}"}
            answers = [
                await chat.http.get("/api/chats", headers=headers),
                await chat.http.post("/api/chats", json={}, headers=headers),
                await chat.http.get(f"/api/chats/{chat_id}", headers=headers),
                await chat.http.post(
                    f"/api/chats/{chat_id}/messages", json={"content": "hi"}, headers=headers
                ),
                await chat.http.delete(f"/api/chats/{chat_id}", headers=headers),
            ]
            for answer in answers:
                assert (answer.status_code, answer.json()) == (
                    403,
                    {"detail": "EMAIL_NOT_VERIFIED"},
                ), answer.request.url
        # A bad token is still a 401 first, whatever its email claim.
        forged = Key.generate().token(verified.id, email_verified=False)
        answer = await chat.http.get("/api/chats", headers={"Authorization": f"Bearer {forged}"})
        assert answer.status_code == 401
        # The chat survived every refused call, and a verified token can use it.
        assert (await chat.get_chat(verified, chat_id))["id"] == chat_id


async def test_in_development_unverified_emails_may_chat_by_default(
    make_settings: Any, signing_key: Key
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:
        token = signing_key.token(email_verified=False)
        answer = await chat.http.get("/api/chats", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200


def test_verified_email_is_required_by_default_in_production_only() -> None:
    assert Settings(**PRODUCTION).require_verified_email
    assert not Settings(**PRODUCTION, REQUIRE_VERIFIED_EMAIL=False).require_verified_email
    assert not Settings().require_verified_email
    assert Settings(REQUIRE_VERIFIED_EMAIL=True).require_verified_email


def test_production_refuses_a_missing_or_half_configured_account_feed() -> None:
    without_feed = {k: v for k, v in PRODUCTION.items() if k not in {"AUTH_URL", "SERVICE_TOKEN"}}
    with pytest.raises(SettingsError, match="AUTH_URL"):
        Settings(**without_feed)
    with pytest.raises(SettingsError, match="SERVICE_TOKEN"):
        Settings(**without_feed, AUTH_URL="http://auth:8001")
    with pytest.raises(SettingsError, match="32"):
        Settings(**without_feed, AUTH_URL="http://auth:8001", SERVICE_TOKEN="short")
    with pytest.raises(SettingsError, match="AUTH_URL"):
        Settings(**without_feed, SERVICE_TOKEN="t" * 32)
    ok = Settings(**PRODUCTION)
    assert ok.follows_account_changes
    assert "t" * 32 not in repr(ok)  # the token never shows in logs or tracebacks


def test_the_poll_interval_keeps_the_sixty_second_promise() -> None:
    assert Settings().ACCOUNT_CHANGES_POLL_SECONDS == 10
    with pytest.raises(ValueError, match="ACCOUNT_CHANGES_POLL_SECONDS"):
        Settings(ACCOUNT_CHANGES_POLL_SECONDS=90)
