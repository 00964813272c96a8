"""Deleting an account that single sign-on made (no password its owner knows) by signing in
again at the provider, a real node-oidc-provider: only a fresh login of the linked subject, in
the browser that asked, deletes it; a password account keeps the password."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import parley_testing as pt
from parley_auth.sso.state import STATE_COOKIE

from .conftest import PASSWORD, AuthFactory, bearer
from .sso_support import BASE, Landing, browser, person, sign_in, sso_auth

START = f"{BASE}/auth/sso/corp/delete-account"


async def ask_to_delete(landing: Landing) -> tuple[str, str]:
    """What the settings page does: the provider's URL for the deletion; also the token."""
    token = await landing.access_token()
    started = await landing.browser.post(START, headers=bearer(token))
    assert started.status_code == 200, started.text
    assert started.headers["cache-control"] == "no-store"
    url: str = started.json()["url"]
    return url, token


def set_state_cookie(client: httpx.AsyncClient, value: str) -> None:
    """Replace the browser's ``parley_sso`` cookie (httpx keeps testserver's as .local)."""
    client.cookies.set(STATE_COOKIE, value, domain="testserver.local", path="/auth/sso")


def users(auth_sql: list[tuple[object, ...]]) -> int:
    [(count,)] = auth_sql
    assert isinstance(count, int)
    return count


async def test_a_fresh_login_of_the_linked_subject_deletes_the_account(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        landing = await sign_in(client, oidc_provider, login)
        me = await landing.me()
        assert me["sso_providers"] == ["corp"]
        url, token = await ask_to_delete(landing)
        query = parse_qs(urlsplit(url).query)
        # The provider is told to ask for the login again, whatever session it has.
        assert query["prompt"] == ["login"] and query["max_age"] == ["0"]

        answer = await pt.sign_in(client, url, oidc_provider, login)
        assert answer.status_code == 302
        assert answer.headers["location"] == "/login?deleted=account"
        cleared = [c for c in answer.headers.get_list("set-cookie") if "parley_refresh=" in c]
        assert cleared and 'parley_refresh=""' in cleared[0]

        assert users(auth.sql("SELECT count(*) FROM users")) == 0
        assert auth.sql("SELECT count(*) FROM oauth_accounts") == [(0,)]
        # Chat learns of it from the feed, as for a password deletion.
        assert auth.sql("SELECT user_id::text, deleted FROM account_changes") == [(me["id"], True)]
        assert (await client.get(f"{BASE}/auth/users/me", headers=bearer(token))).status_code == 401
        assert (await client.post(f"{BASE}/auth/refresh")).status_code == 401
        [event] = auth.audit_events("user.deleted")
        assert (str(event["actor_id"]), event["target_id"]) == (me["id"], me["id"])
        assert event["detail"] == {"confirmed_by": "sso", "provider": "corp"}


async def test_another_person_at_the_provider_deletes_nothing(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    owner, stranger = person(oidc_provider), person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        landing = await sign_in(client, oidc_provider, owner)
        me = await landing.me()
        url, token = await ask_to_delete(landing)
        # At the provider's login form someone else signs in (a shared computer).
        answer = await pt.sign_in(client, url, oidc_provider, stranger)
        assert answer.headers["location"] == "/settings?sso_error=SSO_REAUTH_MISMATCH"
        assert "parley_refresh=" not in answer.headers.get("set-cookie", "")

        # Nothing happened to either: the owner is still signed in, no account was made.
        assert users(auth.sql("SELECT count(*) FROM users")) == 1
        assert (await client.get(f"{BASE}/auth/users/me", headers=bearer(token))).status_code == 200
        assert auth.audit_events("user.deleted") == []
        [refusal] = auth.audit_events("sso.failed")
        assert refusal["detail"]["code"] == "SSO_REAUTH_MISMATCH"
        assert refusal["target_id"] == me["id"]


async def test_a_forged_replayed_or_foreign_state_deletes_nothing(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        landing = await sign_in(client, oidc_provider, login)
        url, _ = await ask_to_delete(landing)
        back = await pt.sign_in(client, url, oidc_provider, login, follow_callback=False)
        callback = urlsplit(back.headers["location"])
        query = {k: v[0] for k, v in parse_qs(callback.query).items()}
        right = f"{BASE}{callback.path}?{callback.query}"
        cookie = client.cookies[STATE_COOKIE]

        # The callback's URL opened in another browser (a link sent to the victim): no cookie.
        async with browser(auth) as elsewhere:
            answer = await elsewhere.get(right)
        assert answer.headers["location"] == "/login?sso_error=SSO_STATE_INVALID"
        # A state cookie signed with another key.
        set_state_cookie(client, "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl")
        answer = await client.get(right)
        assert answer.headers["location"] == "/login?sso_error=SSO_STATE_INVALID"
        # Another state than the cookie's.
        set_state_cookie(client, cookie)
        answer = await client.get(right.replace(query["state"], query["state"] + "x"))
        assert answer.headers["location"] == "/login?sso_error=SSO_STATE_INVALID"
        assert users(auth.sql("SELECT count(*) FROM users")) == 1
        assert auth.audit_events("user.deleted") == []
        codes = [e["detail"]["code"] for e in auth.audit_events("sso.failed")]
        assert codes == ["SSO_STATE_INVALID"] * 3

        # The same answer with its own cookie, in its own browser: it was only those.
        set_state_cookie(client, cookie)
        answer = await client.get(right)
        assert answer.headers["location"] == "/login?deleted=account"
        # Replayed: the cookie is spent.
        assert (await client.get(right)).headers["location"] == "/login?sso_error=SSO_STATE_INVALID"
        assert users(auth.sql("SELECT count(*) FROM users")) == 0


async def test_a_login_older_than_the_request_deletes_nothing(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        landing = await sign_in(client, oidc_provider, login)
        url, _ = await ask_to_delete(landing)
        # As a provider that kept its session instead of asking: its auth_time predates the
        # request. (Made so by a state cookie, signed with the app's key, started an hour on.)
        signer = auth.app.state.runtime.sso.state
        state = parse_qs(urlsplit(url).query)["state"][0]
        pending = signer.read(client.cookies[STATE_COOKIE], "corp", state)
        later = pending._replace(started_at=int(time.time()) + 3600)
        set_state_cookie(client, signer.issue(later))

        answer = await pt.sign_in(client, url, oidc_provider, login)
        assert answer.headers["location"] == "/settings?sso_error=SSO_REAUTH_STALE"
        assert users(auth.sql("SELECT count(*) FROM users")) == 1
        assert auth.audit_events("user.deleted") == []


async def test_a_password_account_keeps_the_password_and_cannot_use_the_provider(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    async with sso_auth(make_auth, oidc_provider) as auth:
        user, token = await auth.user("pat@example.com")
        assert user["sso_providers"] == []
        refused = await auth.client.post(START, headers=bearer(token))
        assert refused.status_code == 400
        assert refused.json() == {"detail": "SSO_NOT_LINKED"}
        assert "parley_sso" not in refused.headers.get("set-cookie", "")
        assert (await auth.client.post(START)).status_code == 401
        missing = await auth.client.post(
            f"{BASE}/auth/sso/nope/delete-account", headers=bearer(token)
        )
        assert missing.status_code == 404

        deleted = await auth.client.request(
            "DELETE", "/auth/users/me", headers=bearer(token), json={"current_password": PASSWORD}
        )
        assert deleted.status_code == 204
        [event] = auth.audit_events("user.deleted")
        assert event["detail"] == {}
