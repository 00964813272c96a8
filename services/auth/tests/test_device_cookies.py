"""Device cookies: a browser that signed in before is never locked out by other people's guesses."""

from __future__ import annotations

import httpx

from .conftest import PASSWORD, Auth, AuthFactory

WRONG = "not the password!"
ATTACKERS = [f"203.0.113.{n}" for n in range(1, 16)]


def device_cookie_flags(response: httpx.Response) -> set[str]:
    [header] = [v for v in response.headers.get_list("set-cookie") if "parley_device=" in v]
    return {part.strip().lower() for part in header.split(";")}


async def hammer(auth: Auth, email: str) -> list[int]:
    """Wrong passwords from many addresses (each its own client, no device cookie)."""
    codes = []
    for address in ATTACKERS:
        async with auth.other_client(address) as attacker:
            answer = await attacker.post("/auth/login", data={"username": email, "password": WRONG})
            codes.append(answer.status_code)
    return codes


async def test_login_sets_a_long_lived_strict_httponly_device_cookie(auth: Auth) -> None:
    await auth.register("alice@example.com")
    response = await auth.login("alice@example.com")
    flags = device_cookie_flags(response)
    assert {"httponly", "samesite=strict", "path=/auth", f"max-age={365 * 86_400}"} <= flags
    assert "secure" not in flags  # plain http, like the refresh cookie
    assert "parley_device" in auth.client.cookies
    # A failed login sets no cookie at all.
    assert "set-cookie" not in (await auth.login("alice@example.com", WRONG)).headers


async def test_device_cookie_is_secure_over_https(make_auth: AuthFactory) -> None:
    async with make_auth(base_url="https://testserver", DEVICE_COOKIE_TTL_DAYS=30) as auth:
        await auth.register("alice@example.com")
        flags = device_cookie_flags(await auth.login("alice@example.com"))
        assert {"secure", f"max-age={30 * 86_400}"} <= flags


async def test_owner_on_a_known_device_logs_in_while_an_attacker_hammers(auth: Auth) -> None:
    await auth.register("alice@example.com")
    assert (await auth.login("alice@example.com")).status_code == 200  # the owner's browser

    codes = await hammer(auth, "alice@example.com")
    assert codes[:10] == [400] * 10 and set(codes[10:]) == {429}, codes

    # The owner's browser presents its device cookie: its own count, not the account's lock.
    assert (await auth.login("alice@example.com")).status_code == 200
    # The same owner on a new device (no cookie) waits like everyone else.
    async with auth.other_client("192.0.2.50") as new_laptop:
        elsewhere = await new_laptop.post(
            "/auth/login", data={"username": "alice@example.com", "password": PASSWORD}
        )
    assert elsewhere.status_code == 429
    assert elsewhere.json() == {"detail": "LOGIN_TOO_MANY_ATTEMPTS"}
    assert int(elsewhere.headers["retry-after"]) > 0
    # And the owner's success did not lift the lock the attacker built.
    assert set(await hammer(auth, "alice@example.com")) == {429}


async def test_a_known_device_is_throttled_on_its_own_count(auth: Auth) -> None:
    await auth.register("alice@example.com")
    assert (await auth.login("alice@example.com")).status_code == 200
    codes = [(await auth.login("alice@example.com", WRONG)).status_code for _ in range(11)]
    assert codes == [400] * 10 + [429]
    assert (await auth.login("alice@example.com")).status_code == 429
    # Guesses through the device cookie did not lock the account for other clients.
    async with auth.other_client() as phone:
        answer = await phone.post(
            "/auth/login", data={"username": "alice@example.com", "password": PASSWORD}
        )
    assert answer.status_code == 200


async def test_a_cookie_for_another_account_or_a_forged_one_is_no_pass(auth: Auth) -> None:
    await auth.register("alice@example.com")
    await auth.register("bob@example.com")
    assert (await auth.login("alice@example.com")).status_code == 200  # cookie bound to alice
    await hammer(auth, "bob@example.com")
    assert (await auth.login("bob@example.com")).status_code == 429

    device_id, _, signature = auth.client.cookies["parley_device"].partition(".")
    forged = f"{device_id}.{signature[::-1]}"
    await hammer(auth, "alice@example.com")
    for cookie in (forged, f"{device_id}.", "garbage", "%C3%A9.x", "." * 80):
        auth.client.cookies.clear()
        auth.client.cookies.set("parley_device", cookie, path="/auth")
        assert (await auth.login("alice@example.com")).status_code == 429, cookie


async def test_the_same_email_in_another_letter_case_is_the_same_device_account(
    auth: Auth,
) -> None:
    await auth.register("alice@example.com")
    assert (await auth.login("Alice@Example.com")).status_code == 200
    await hammer(auth, "alice@example.com")
    assert (await auth.login("ALICE@example.COM")).status_code == 200


async def test_replicas_sharing_the_session_secret_know_the_device(make_auth: AuthFactory) -> None:
    secret = "s" * 40
    async with make_auth(SESSION_SECRET=secret) as first:
        await first.register("alice@example.com")
        assert (await first.login("alice@example.com")).status_code == 200
        cookie = first.client.cookies["parley_device"]
        await hammer(first, "alice@example.com")
    async with make_auth(SESSION_SECRET=secret) as second:
        second.client.cookies.set("parley_device", cookie, path="/auth")
        assert (await second.login("alice@example.com")).status_code == 200
    # Another secret (or the random one of a process without it) does not accept it.
    async with make_auth(SESSION_SECRET="t" * 40) as stranger:
        stranger.client.cookies.set("parley_device", cookie, path="/auth")
        assert (await stranger.login("alice@example.com")).status_code == 429
