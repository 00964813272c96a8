"""With the real argon2id cost: hashing never blocks the event loop, and timing hides emails."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import httpx
from parley_auth.app import create_app
from parley_auth.config import Settings
from parley_testing import serve_asgi

from .conftest import PASSWORD, AuthFactory, Outbox


async def test_healthz_answers_while_eight_logins_hash(
    make_settings: Callable[..., Settings],
) -> None:
    # A real server on its own event loop: a blocked loop shows as late answers.
    # One hashing thread leaves the second core to the server loop and the client, so the
    # comparison holds on a busy 2-core machine; a blocking hash stalls the loop regardless.
    settings = make_settings(PASSWORD_HASH_PROFILE="standard", PASSWORD_HASH_WORKERS=1)
    app = create_app(settings, mailer=Outbox())
    with serve_asgi(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            registered = await client.post(
                "/auth/register", json={"email": "alice@example.com", "password": PASSWORD}
            )
            assert registered.status_code == 201
            started = time.perf_counter()
            finished: list[float] = []

            async def login() -> int:
                form = {"username": "alice@example.com", "password": PASSWORD}
                status = (await client.post("/auth/login", data=form)).status_code
                finished.append(time.perf_counter() - started)
                return status

            logins = [asyncio.create_task(login()) for _ in range(8)]
            await asyncio.sleep(0.05)  # the server is now hashing
            health_started = time.perf_counter()
            health = [(await client.get("/auth/healthz")).status_code for _ in range(5)]
            health_done = time.perf_counter() - started
            health_time = time.perf_counter() - health_started
            assert await asyncio.gather(*logins) == [200] * 8

    assert health == [200] * 5
    # The health checks were all answered while most logins were still hashing (a blocked
    # event loop would answer them only after the logins)...
    assert sum(done > health_done for done in finished) >= 4, (health_done, finished)
    # ...in a fraction of the logins' time.
    assert health_time < max(finished) / 2, (health_time, max(finished))


async def test_unknown_email_costs_as_much_as_a_wrong_password(make_auth: AuthFactory) -> None:
    async with make_auth(PASSWORD_HASH_PROFILE="standard") as auth:
        await auth.register("alice@example.com")

        async def timed(email: str, password: str) -> float:
            start = time.perf_counter()
            assert (await auth.login(email, password)).status_code == 400
            return time.perf_counter() - start

        wrong_password, unknown_email, fast_reference = [], [], []
        for i in range(3):
            wrong_password.append(await timed("alice@example.com", "not the password!"))
            unknown_email.append(await timed(f"ghost{i}@example.com", PASSWORD))
            start = time.perf_counter()
            await auth.client.get("/auth/healthz")
            fast_reference.append(time.perf_counter() - start)

    ratio = statistics.median(unknown_email) / statistics.median(wrong_password)
    # Without the dummy hash an unknown email answers ~50x faster; allow noise, not that.
    assert 0.33 < ratio < 3, (unknown_email, wrong_password)
    assert statistics.median(unknown_email) > 5 * statistics.median(fast_reference)
