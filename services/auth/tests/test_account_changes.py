"""Token versions in access tokens, and the account-change feed chat polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from .conftest import PASSWORD, Auth, AuthFactory, bearer

SERVICE_TOKEN = "feed-token-" + "f" * 32
FEED = "/auth/internal/account-changes"


def claims(access_token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return decoded


async def feed(auth: Auth, since: datetime, **params: Any) -> Any:
    return await auth.client.get(
        FEED,
        params={"since": since.isoformat(), **params},
        headers=bearer(SERVICE_TOKEN),
    )


async def test_access_tokens_carry_token_version_and_verification(auth: Auth) -> None:
    await auth.register("alice@example.com")
    first = await auth.tokens("alice@example.com")
    assert claims(first["access_token"])["tv"] == 0
    assert claims(first["access_token"])["email_verified"] is False
    await auth.client.post("/auth/logout-all", headers=bearer(first["access_token"]))
    auth.sql("UPDATE users SET is_verified = true")
    second = await auth.tokens("alice@example.com")
    assert claims(second["access_token"])["tv"] == 1
    assert claims(second["access_token"])["email_verified"] is True


async def test_the_feed_lists_each_changed_account_once(make_auth: AuthFactory) -> None:
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        start = datetime.now(UTC) - timedelta(seconds=5)
        alice, alice_token = await auth.user("alice@example.com")
        bob, bob_token = await auth.user("bob@example.com")
        empty = (await feed(auth, start)).json()
        assert empty["changes"] == [] and empty["more"] is False

        await auth.client.post("/auth/logout-all", headers=bearer(alice_token))
        await auth.client.post("/auth/logout-all", headers=bearer(bob_token))
        alice_again = (await auth.tokens("alice@example.com"))["access_token"]
        await auth.client.post("/auth/logout-all", headers=bearer(alice_again))
        await auth.client.request(
            "DELETE",
            "/auth/users/me",
            headers=bearer((await auth.tokens("bob@example.com"))["access_token"]),
            json={"current_password": PASSWORD},
        )
        page = (await feed(auth, start)).json()
        by_user = {c["user_id"]: c for c in page["changes"]}
        assert len(page["changes"]) == 2  # one row per account, upserted
        assert by_user[alice["id"]]["token_version"] == 2
        assert by_user[alice["id"]]["deleted"] is False
        assert by_user[bob["id"]]["deleted"] is True
        times = [c["changed_at"] for c in page["changes"]]
        assert times == sorted(times)
        assert datetime.fromisoformat(page["now"]) >= datetime.fromisoformat(times[-1])

        # Paging: a full page says so, and since = now - 10 s continues at its last entry.
        first_page = (await feed(auth, start, limit=1)).json()
        assert first_page["more"] is True and len(first_page["changes"]) == 1
        resume = datetime.fromisoformat(first_page["now"]) - timedelta(seconds=10)
        rest = (await feed(auth, resume, limit=5)).json()
        assert {c["user_id"] for c in rest["changes"]} == {alice["id"], bob["id"]}
        assert rest["more"] is False
        # Nothing newer than now.
        later = (
            await feed(auth, datetime.fromisoformat(page["now"]) + timedelta(seconds=1))
        ).json()
        assert later["changes"] == []


async def test_the_feed_needs_the_service_token(make_auth: AuthFactory) -> None:
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        since = {"since": datetime.now(UTC).isoformat()}
        for headers in (
            {},
            bearer("wrong"),
            bearer(SERVICE_TOKEN[:-1]),
            {"Authorization": SERVICE_TOKEN},
            bearer((await auth.user("alice@example.com"))[1]),
        ):
            response = await auth.client.get(FEED, params=since, headers=headers)
            assert response.status_code == 401, headers
            assert response.json() == {"detail": "Unauthorized"}
        for bad in (
            {"since": "yesterday"},
            {"since": "2026-01-01T00:00:00"},
            {**since, "limit": 0},
        ):
            response = await auth.client.get(FEED, params=bad, headers=bearer(SERVICE_TOKEN))
            assert response.status_code == 422, bad


async def test_without_a_service_token_the_feed_is_off(auth: Auth) -> None:
    response = await auth.client.get(
        FEED, params={"since": datetime.now(UTC).isoformat()}, headers=bearer("anything")
    )
    assert response.status_code == 404
