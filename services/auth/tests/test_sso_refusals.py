"""Single sign-on refusals through a real OpenID Provider: forged or missing state, codes
issued to another application, unverified emails, deactivated accounts, foreign ``next``,
unknown or unreachable providers, odd provider errors."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qs, urlencode, urlsplit

import httpx
import parley_testing as pt

from .conftest import OTHER_CLIENT, AuthFactory
from .sso_support import BASE, browser, failure, person, sign_in, sso_auth


async def stopped_at_callback(
    client: httpx.AsyncClient, provider: pt.OidcProvider, login: str
) -> tuple[SplitResult, dict[str, str]]:
    """Sign in at the provider, stopping before the callback: its URL and query."""
    back = await pt.sign_in(
        client, f"{BASE}/auth/sso/corp/login", provider, login, follow_callback=False
    )
    callback = urlsplit(back.headers["location"])
    return callback, {k: v[0] for k, v in parse_qs(callback.query).items()}


async def test_a_tampered_or_missing_state_is_refused(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        callback, query = await stopped_at_callback(client, oidc_provider, login)
        tampered = f"{BASE}{callback.path}?" + urlencode({**query, "state": "x" + query["state"]})
        answer = await client.get(tampered)
        assert answer.status_code == 302
        assert answer.headers["location"] == "/login?sso_error=SSO_STATE_INVALID"
        assert "parley_refresh" not in answer.headers.get("set-cookie", "")

        # The right query from a browser that did not start this sign-in (no state cookie).
        async with browser(auth) as elsewhere:
            answer = await elsewhere.get(f"{BASE}{callback.path}?{callback.query}")
        assert answer.headers["location"] == "/login?sso_error=SSO_STATE_INVALID"
        assert auth.sql("SELECT count(*) FROM users") == [(0,)]
        refusals = auth.sql(
            "SELECT detail->>'code', target_type, target_id FROM audit_events"
            " WHERE kind = 'sso.failed'"
        )
        assert refusals == [("SSO_STATE_INVALID", "sso", "corp")] * 2


async def test_a_code_issued_to_another_application_is_refused(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        ours = await pt.sign_in(
            client, f"{BASE}/auth/sso/corp/login", oidc_provider, login, follow_callback=False
        )
        state = parse_qs(urlsplit(ours.headers["location"]).query)["state"][0]
        metadata = (await client.get(oidc_provider.discovery_url)).json()
        other = (
            metadata["authorization_endpoint"]
            + "?"
            + urlencode(
                {
                    "client_id": OTHER_CLIENT.client_id,
                    "redirect_uri": OTHER_CLIENT.redirect_uris[0],
                    "response_type": "code",
                    "scope": "openid email",
                    "nonce": "n",
                    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                    "code_challenge_method": "S256",
                }
            )
        )
        theirs = await pt.sign_in(client, other, oidc_provider, login, follow_callback=False)
        code = parse_qs(urlsplit(theirs.headers["location"]).query)["code"][0]
        answer = await client.get(
            f"{BASE}/auth/sso/corp/callback?" + urlencode({"code": code, "state": state})
        )
        assert answer.headers["location"] == "/login?sso_error=SSO_FAILED"
        assert auth.sql("SELECT count(*) FROM users") == [(0,)]
        [(reason,)] = auth.sql(
            "SELECT detail->>'reason' FROM audit_events WHERE kind = 'sso.failed'"
        )
        assert "invalid_grant" in reason


async def test_an_unverified_email_is_refused(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider, email_verified=False)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        landing = await sign_in(client, oidc_provider, login)
        assert failure(landing) == "SSO_EMAIL_NOT_VERIFIED"
        assert landing.cookie("parley_refresh") is None
        assert auth.sql("SELECT count(*) FROM users") == [(0,)]
        [(code,)] = auth.sql("SELECT detail->>'code' FROM audit_events WHERE kind = 'sso.failed'")
        assert code == "SSO_EMAIL_NOT_VERIFIED"


async def test_a_deactivated_account_cannot_sign_in(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        me = await (await sign_in(client, oidc_provider, login)).me()
        auth.sql("UPDATE users SET is_active = false WHERE id = %s", me["id"])
        assert failure(await sign_in(client, oidc_provider, login)) == "SSO_DEACTIVATED"


async def test_next_never_leaves_the_site(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "chats"):
            landing = await sign_in(client, oidc_provider, login, next_path=target)
            assert landing.location == "/", target


async def test_providers_list_and_unknown_or_unreachable_providers(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    gone = f"http://127.0.0.1:{pt.free_port()}/.well-known/openid-configuration"
    setting = [
        {"id": "gone", "name": "Gone", "discovery_url": gone, "client_id": "x"},
    ]
    async with sso_auth(make_auth, oidc_provider) as auth:
        listed = await auth.client.get("/auth/sso/providers")
        assert listed.json() == {
            "providers": [{"id": "corp", "name": "Corp SSO"}],
            "password_login": True,
            "registration": True,
        }
        assert (await auth.client.get("/auth/sso/nope/login")).status_code == 404
        assert (await auth.client.get("/auth/sso/nope/callback?code=a&state=b")).status_code == 404
    async with make_auth(OIDC_PROVIDERS=setting, REGISTRATION="closed") as auth:
        listed = await auth.client.get("/auth/sso/providers")
        assert listed.json()["registration"] is False
        started = await auth.client.get("/auth/sso/gone/login")
        assert started.status_code == 302
        assert started.headers["location"] == "/login?sso_error=SSO_FAILED"


async def test_a_provider_error_with_a_nul_is_a_refusal_not_an_outage(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        callback, query = await stopped_at_callback(client, oidc_provider, login)
        refused = urlencode({"state": query["state"], "error": "access_denied\x00"})
        answer = await client.get(f"{BASE}{callback.path}?{refused}")
        assert answer.status_code == 302
        assert answer.headers["location"] == "/login?sso_error=SSO_FAILED"
        [(reason,)] = auth.sql(
            "SELECT detail->>'reason' FROM audit_events WHERE kind = 'sso.failed'"
        )
        assert "access_denied" in reason
