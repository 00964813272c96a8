"""Per-account login throttling: 429 + Retry-After after 10 failures, growing, resettable."""

from __future__ import annotations

import asyncio

from .conftest import PASSWORD, Auth, AuthFactory


async def fail(auth: Auth, email: str, times: int) -> list[int]:
    return [(await auth.login(email, "not the password!")).status_code for _ in range(times)]


async def test_eleventh_attempt_is_throttled_even_with_the_right_password(auth: Auth) -> None:
    await auth.register("alice@example.com")
    assert await fail(auth, "alice@example.com", 10) == [400] * 10
    response = await auth.login("Alice@Example.com", PASSWORD)
    assert response.status_code == 429
    assert response.json() == {"detail": "LOGIN_TOO_MANY_ATTEMPTS"}
    assert 55 <= int(response.headers["retry-after"]) <= 60
    # Another account is not affected.
    await auth.register("bob@example.com")
    assert (await auth.login("bob@example.com")).status_code == 200


async def test_unknown_emails_are_throttled_the_same_way(auth: Auth) -> None:
    assert await fail(auth, "ghost@example.com", 10) == [400] * 10
    response = await auth.login("ghost@example.com")
    assert response.status_code == 429
    assert 55 <= int(response.headers["retry-after"]) <= 60


async def test_a_success_before_the_limit_starts_the_count_again(auth: Auth) -> None:
    await auth.register("alice@example.com")
    await fail(auth, "alice@example.com", 9)
    assert (await auth.login("alice@example.com")).status_code == 200
    assert await fail(auth, "alice@example.com", 9) == [400] * 9
    assert (await auth.login("alice@example.com")).status_code == 200


async def test_block_interval_grows_and_then_lets_the_user_in(make_auth: AuthFactory) -> None:
    async with make_auth(LOGIN_THROTTLE_BASE_SECONDS=2, LOGIN_THROTTLE_MAX_FAILURES=3) as auth:
        await auth.register("alice@example.com")
        assert await fail(auth, "alice@example.com", 3) == [400] * 3
        first = await auth.login("alice@example.com")
        assert first.status_code == 429 and first.headers["retry-after"] in ("1", "2")
        await asyncio.sleep(2.1)
        # One more failure after the block: blocked again, for twice as long.
        assert await fail(auth, "alice@example.com", 1) == [400]
        second = await auth.login("alice@example.com")
        assert second.status_code == 429 and second.headers["retry-after"] in ("3", "4")
        await asyncio.sleep(4.1)
        # Slowed, never locked out: the right password works once the block is over.
        assert (await auth.login("alice@example.com")).status_code == 200


async def test_throttle_state_lives_in_the_database(make_auth: AuthFactory) -> None:
    async with make_auth() as replica_a:
        await fail(replica_a, "alice@example.com", 10)
    # A second app on the same database (another replica) sees the block.
    async with make_auth() as replica_b:
        assert (await replica_b.login("alice@example.com")).status_code == 429


async def test_password_reset_clears_the_throttle(auth: Auth) -> None:
    await auth.register("alice@example.com")
    await fail(auth, "alice@example.com", 10)
    assert (await auth.login("alice@example.com")).status_code == 429
    await auth.client.post("/auth/forgot-password", json={"email": "alice@example.com"})
    await auth.settle()
    [mail] = auth.outbox.messages
    new_password = "a brand new passphrase"
    reset = await auth.client.post(
        "/auth/reset-password", json={"token": mail.token, "password": new_password}
    )
    assert reset.status_code == 200
    assert (await auth.login("alice@example.com", new_password)).status_code == 200
