"""Rate limits on the mail, token and registration routes: 429 RATE_LIMITED + Retry-After,
counted in PostgreSQL (shared by replicas), per email, address or user."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from parley_auth.config import Rate, Settings
from parley_auth.rate_limits import ACCOUNT_LIMIT, purge_stale
from pydantic import ValidationError

from .conftest import PASSWORD, Auth, AuthFactory, bearer


def assert_limited(response: httpx.Response, window: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == {"detail": "RATE_LIMITED"}
    assert 1 <= int(response.headers["retry-after"]) <= window


async def forgot(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/auth/forgot-password", json={"email": email})


async def test_mail_routes_are_limited_per_email(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMIT_MAIL_PER_EMAIL="3/60") as auth:
        await auth.register("alice@example.com")
        assert (await forgot(auth.client, "alice@example.com")).status_code == 202
        assert (await forgot(auth.client, " ALICE@example.com")).status_code == 202
        # Verification mails count against the same address.
        verify = await auth.client.post(
            "/auth/request-verify-token", json={"email": "alice@example.com"}
        )
        assert verify.status_code == 202
        assert_limited(await forgot(auth.client, "alice@example.com"), 60)
        # Unknown emails are counted alike (no account oracle); other emails are unaffected.
        ghost = [(await forgot(auth.client, "ghost@example.com")).status_code for _ in range(4)]
        assert ghost == [202, 202, 202, 429]
        assert (await forgot(auth.client, "bob@example.com")).status_code == 202
        await auth.settle()
        assert len([m for m in auth.outbox.messages if m.to == "alice@example.com"]) == 3


async def test_mail_routes_are_limited_per_address(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMIT_MAIL_PER_ADDRESS="3/60") as auth:
        codes = [(await forgot(auth.client, f"user{n}@example.com")).status_code for n in range(3)]
        assert codes == [202] * 3
        assert_limited(await forgot(auth.client, "user9@example.com"), 60)
        async with auth.other_client() as neighbour:
            assert (await forgot(neighbour, "user9@example.com")).status_code == 202


async def test_token_routes_are_limited_per_address(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMIT_TOKEN_PER_ADDRESS="4/60") as auth:
        reset = {"token": "forged", "password": "a brand new passphrase"}
        answers = [await auth.client.post("/auth/reset-password", json=reset) for _ in range(2)]
        answers += [await auth.client.post("/auth/verify", json={"token": "x"}) for _ in range(2)]
        assert [a.status_code for a in answers] == [400] * 4
        assert_limited(await auth.client.post("/auth/reset-password", json=reset), 60)
        assert_limited(await auth.client.post("/auth/verify", json={"token": "x"}), 60)


async def test_registration_is_limited_per_address(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMIT_REGISTER_PER_ADDRESS="2/60") as auth:
        await auth.register("a@example.com")
        await auth.register("b@example.com")
        response = await auth.client.post(
            "/auth/register", json={"email": "c@example.com", "password": PASSWORD}
        )
        assert_limited(response, 60)
        assert auth.sql("SELECT count(*) FROM users") == [(2,)]


async def test_a_window_ends_and_counting_starts_again(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMIT_MAIL_PER_EMAIL="1/1") as auth:
        assert (await forgot(auth.client, "alice@example.com")).status_code == 202
        assert_limited(await forgot(auth.client, "alice@example.com"), 1)
        await asyncio.sleep(1.1)
        assert (await forgot(auth.client, "alice@example.com")).status_code == 202


async def test_replicas_share_the_counts(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMIT_MAIL_PER_EMAIL="2/60") as first:
        await forgot(first.client, "alice@example.com")
        async with make_auth(RATE_LIMIT_MAIL_PER_EMAIL="2/60") as second:
            await forgot(second.client, "alice@example.com")
            assert_limited(await forgot(first.client, "alice@example.com"), 60)
            assert_limited(await forgot(second.client, "alice@example.com"), 60)


async def test_concurrent_requests_never_pass_the_limit(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMIT_MAIL_PER_EMAIL="5/60") as auth:
        answers = await asyncio.gather(*(forgot(auth.client, "a@example.com") for _ in range(20)))
        assert sorted(a.status_code for a in answers) == [202] * 5 + [429] * 15


async def test_limits_can_be_switched_off(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMITS_ENABLED=False, RATE_LIMIT_MAIL_PER_EMAIL="1/60") as auth:
        codes = [(await forgot(auth.client, "a@example.com")).status_code for _ in range(3)]
        assert codes == [202] * 3
        assert auth.sql("SELECT count(*) FROM rate_limits") == [(0,)]


async def test_a_per_user_limit_is_one_dependency(make_auth: AuthFactory) -> None:
    async with make_auth(RATE_LIMIT_ACCOUNT_PER_USER="2/60") as auth:

        async def change() -> dict[str, bool]:
            return {"changed": True}

        # How PATCH and DELETE /auth/users/me take their limit.
        auth.app.add_api_route(
            "/auth/limited", change, methods=["POST"], dependencies=[ACCOUNT_LIMIT]
        )
        _, alice = await auth.user("alice@example.com")
        _, bob = await auth.user("bob@example.com")
        codes = [
            (await auth.client.post("/auth/limited", headers=bearer(alice))).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]
        assert (await auth.client.post("/auth/limited", headers=bearer(bob))).status_code == 200
        # Requests without a valid token name no user and are not counted here.
        no_user: list[dict[str, str]] = [{}, bearer("not-a-token")]
        for headers in no_user:
            assert (await auth.client.post("/auth/limited", headers=headers)).status_code == 200


async def test_ended_windows_are_purged(make_auth: AuthFactory) -> None:
    async with make_auth() as auth:
        await forgot(auth.client, "alice@example.com")
        await forgot(auth.client, "bob@example.com")
        assert auth.sql("SELECT count(*) FROM rate_limits") == [(3,)]  # 2 emails, 1 address
        auth.sql("UPDATE rate_limits SET window_ends_at = now() WHERE key LIKE %s", "%bob%")
        async with auth.app.state.runtime.sessionmaker() as session:
            assert await purge_stale(session) == 1
        assert auth.sql("SELECT count(*) FROM rate_limits") == [(2,)]


async def test_the_openapi_document_declares_the_429s(auth: Auth) -> None:
    paths = (await auth.client.get("/auth/openapi.json")).json()["paths"]
    for path in ("forgot-password", "request-verify-token", "reset-password", "verify", "register"):
        declared = paths[f"/auth/{path}"]["post"]["responses"]["429"]
        assert "RATE_LIMITED" in declared["description"]
        assert "Retry-After" in declared["headers"]


def test_rates_are_read_as_count_per_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_MAIL_PER_EMAIL", "7/120")
    assert Rate(limit=7, window_seconds=120) == Settings().RATE_LIMIT_MAIL_PER_EMAIL
    for unfit in ("7", "seven/60", "0/60", "5/0"):
        monkeypatch.setenv("RATE_LIMIT_MAIL_PER_EMAIL", unfit)
        with pytest.raises(ValidationError, match="RATE_LIMIT_MAIL_PER_EMAIL"):
            Settings()
