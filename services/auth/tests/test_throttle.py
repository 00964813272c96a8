"""Per-account login throttling: 429 + Retry-After after 10 attempts, counted before the hash,
growing, resettable, purged when stale."""

from __future__ import annotations

import asyncio

import pytest
from parley_auth.throttle import purge_stale

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


async def test_concurrent_wrong_passwords_get_at_most_the_limit_of_hash_checks(
    auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    await auth.register("alice@example.com")
    checks = count_password_checks(auth, monkeypatch)
    answers = await asyncio.gather(
        *(auth.login("alice@example.com", f"guess number {n:02d}") for n in range(40))
    )
    codes = sorted(a.status_code for a in answers)
    # Each attempt is counted under the row lock before its hash: the 11th and later wait.
    assert codes == [400] * 10 + [429] * 30, codes
    assert len(checks) == 10


async def test_concurrent_guesses_at_an_unknown_email_are_capped_the_same_way(
    auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = count_password_checks(auth, monkeypatch)
    answers = await asyncio.gather(*(auth.login("ghost@example.com", PASSWORD) for _ in range(40)))
    assert sorted(a.status_code for a in answers) == [400] * 10 + [429] * 30
    assert len(checks) == 10  # the dummy hash that hides unknown emails, capped too


async def test_stale_throttle_rows_are_purged(auth: Auth) -> None:
    await fail(auth, "alice@example.com", 2)
    await fail(auth, "bob@example.com", 2)
    auth.sql(
        "UPDATE login_throttle SET last_failure_at = now() - interval '2 days' "
        "WHERE email_key = 'bob@example.com'"
    )
    auth.sql(
        "INSERT INTO login_device_throttle VALUES "
        "('old-device', 3, now() - interval '2 days', NULL), ('new-device', 3, now(), NULL)"
    )
    async with auth.app.state.runtime.sessionmaker() as session:
        assert await purge_stale(session) == 2
    assert auth.sql("SELECT email_key FROM login_throttle") == [("alice@example.com",)]
    assert auth.sql("SELECT device_id FROM login_device_throttle") == [("new-device",)]
    # The survivors still count: alice's two failures stand.
    assert auth.sql("SELECT failures FROM login_throttle") == [(2,)]


def count_password_checks(auth: Auth, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every argon2 verification the app runs (real ones and the unknown-email dummy)."""
    helper = auth.app.state.runtime.passwords
    original = helper.verify_and_update
    checks: list[str] = []

    def counting(password: str, hashed: str) -> tuple[bool, str | None]:
        checks.append(password)
        result: tuple[bool, str | None] = original(password, hashed)
        return result

    monkeypatch.setattr(helper, "verify_and_update", counting)
    return checks
