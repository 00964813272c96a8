"""REGISTRATION=open|domains|invite|closed, invites, and concealing taken addresses."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .conftest import PASSWORD, Auth, AuthFactory, bearer, fullwidth


async def register(auth: Auth, email: str, **extra: Any) -> Any:
    return await auth.client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, **extra}
    )


async def superuser(auth: Auth) -> dict[str, str]:
    await auth.register("admin@corp.example")
    auth.sql("UPDATE users SET is_superuser = true")
    token: str = (await auth.tokens("admin@corp.example"))["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def test_compatibility_variants_of_an_existing_email_are_duplicates(auth: Auth) -> None:
    await auth.register("finn@example.com")
    for variant in (fullwidth("FINN") + "@example.com", "ﬁnn@example.com", " Finn@EXAMPLE.com"):
        response = await register(auth, variant)
        assert response.status_code == 400, variant
        assert response.json() == {"detail": "REGISTER_USER_ALREADY_EXISTS"}, variant
    assert auth.sql("SELECT count(*) FROM users") == [(1,)]
    # Login and the throttle use the same canonical form.
    assert (await auth.login(fullwidth("FINN") + "@example.com")).status_code == 200


async def test_closed_registration_refuses_everyone(make_auth: AuthFactory) -> None:
    async with make_auth(REGISTRATION="closed") as auth:
        response = await register(auth, "alice@example.com")
        assert response.status_code == 403
        assert response.json() == {"detail": "REGISTRATION_CLOSED"}


async def test_domains_registration_takes_listed_domains_only(make_auth: AuthFactory) -> None:
    async with make_auth(
        REGISTRATION="domains", REGISTRATION_DOMAINS="Corp.Example,bücher.de"
    ) as auth:
        assert (await register(auth, "alice@corp.example")).status_code == 201
        assert (await register(auth, "bob@BÜCHER.de")).status_code == 201
        for outsider in ("eve@example.com", "eve@sub.corp.example", "eve@corp.example.evil"):
            response = await register(auth, outsider)
            assert response.status_code == 403, outsider
            assert response.json() == {"detail": "REGISTRATION_DOMAIN_NOT_ALLOWED"}


async def test_invites_are_made_by_superusers_and_used_up(make_auth: AuthFactory) -> None:
    async with make_auth(REGISTRATION="open") as auth:
        admin = await superuser(auth)
        _, plain = await auth.user("plain@example.com")
        assert (
            await auth.client.post("/auth/invites", headers=bearer(plain), json={})
        ).status_code == 403
        made = await auth.client.post(
            "/auth/invites",
            headers=admin,
            json={"note": "team", "max_uses": 2, "expires_in_days": 7},
        )
        assert made.status_code == 201, made.text
        invite = made.json()
        assert invite["uses"] == 0 and invite["max_uses"] == 2 and invite["expires_at"]
        [(stored,)] = auth.sql("SELECT code_hash FROM invites")
        assert invite["code"] not in stored  # only the hash is kept
        listed = (await auth.client.get("/auth/invites", headers=admin)).json()
        assert [i["id"] for i in listed] == [invite["id"]] and "code" not in listed[0]

    async with make_auth(REGISTRATION="invite", DATABASE_URL=auth.database_url) as auth:
        missing = await register(auth, "nobody@example.com")
        assert missing.status_code == 403 and missing.json() == {"detail": "INVITE_CODE_INVALID"}
        wrong = await register(auth, "nobody@example.com", invite_code="guessed")
        assert wrong.json() == {"detail": "INVITE_CODE_INVALID"}
        # Five concurrent registrations with a two-use code: two accounts.
        answers = await asyncio.gather(
            *(register(auth, f"n{i}@example.com", invite_code=invite["code"]) for i in range(5))
        )
        assert sorted(a.status_code for a in answers) == [201, 201, 403, 403, 403]
        admin = bearer((await auth.tokens("admin@corp.example"))["access_token"])
        [listed] = (await auth.client.get("/auth/invites", headers=admin)).json()
        assert listed["uses"] == 2
        assert (
            await auth.client.delete(f"/auth/invites/{invite['id']}", headers=admin)
        ).status_code == 204
        assert (
            await auth.client.delete(f"/auth/invites/{invite['id']}", headers=admin)
        ).status_code == 404


async def test_an_expired_invite_is_refused(make_auth: AuthFactory) -> None:
    async with make_auth(REGISTRATION="open") as auth:
        admin = await superuser(auth)
        code = (await auth.client.post("/auth/invites", headers=admin, json={})).json()["code"]
        auth.sql("UPDATE invites SET expires_at = now() - interval '1 second'")
    async with make_auth(REGISTRATION="invite", DATABASE_URL=auth.database_url) as auth:
        response = await register(auth, "late@example.com", invite_code=code)
        assert response.json() == {"detail": "INVITE_CODE_INVALID"}


async def test_concealed_registration_answers_alike_and_mails_the_owner(
    make_auth: AuthFactory,
) -> None:
    async with make_auth(REGISTRATION_CONCEALS_ACCOUNTS=True) as auth:
        first = await register(auth, "alice@example.com")
        assert first.status_code == 201
        started = time.perf_counter()
        again = await register(auth, "ALICE@example.com")
        taken_seconds = time.perf_counter() - started
        started = time.perf_counter()
        fresh = await register(auth, "zoe@example.com")
        fresh_seconds = time.perf_counter() - started
        assert again.status_code == fresh.status_code == 201
        assert again.json().keys() == fresh.json().keys() == first.json().keys()
        assert again.json()["id"] != first.json()["id"]
        # Both spend a hash; the fast test profile keeps both far under this bound.
        assert abs(taken_seconds - fresh_seconds) < 0.5
        await auth.settle()
        [mail] = auth.outbox.messages
        assert mail.to == "alice@example.com"
        assert "already has one" in mail.body and "/forgot-password" in mail.body
        assert auth.sql("SELECT count(*) FROM users") == [(2,)]


async def test_concealment_is_on_in_production_by_default(
    make_auth: AuthFactory, production: dict[str, Any]
) -> None:
    async with make_auth(**production) as auth:
        assert auth.settings.conceals_accounts
    async with make_auth() as auth:
        assert not auth.settings.conceals_accounts
