"""The OpenID Connect protocol against a real provider (node-oidc-provider): PKCE S256, state and
nonce in the authorization request, and an ID token accepted only when it is signed by the
provider, issued to us, unexpired and carries our nonce."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import parley_testing as pt
import pytest
from parley_auth.sso.client import OidcClient, SsoProtocolError, claim_values, email_verified
from parley_auth.sso.config import OidcProviderConfig
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .conftest import OTHER_CLIENT
from .sso_support import provider_entry

CALLBACK = "http://testserver/auth/sso/corp/callback"


def config(provider: pt.OidcProvider, **overrides: Any) -> OidcProviderConfig:
    return OidcProviderConfig(**provider_entry(provider, **overrides))


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse(dict(request.query_params))


ECHO = Starlette(routes=[Route("/{path:path}", _echo)])


async def come_back(provider: pt.OidcProvider, url: str, login: str) -> dict[str, str]:
    """Sign in at ``url`` as ``login``; the query the provider sends to the callback."""
    transport = httpx.ASGITransport(app=ECHO)
    async with httpx.AsyncClient(mounts={"http://testserver": transport}) as browser:
        response = await pt.sign_in(browser, url, provider, login)
    query: dict[str, str] = json.loads(response.text)
    return query


def new_login(provider: pt.OidcProvider, **claims: Any) -> str:
    login = f"user-{uuid.uuid4().hex[:8]}"
    values = {"email": f"{login}@example.com", "email_verified": True, "groups": ["Staff"]}
    provider.set_account(login, values | claims)
    return login


async def test_the_request_carries_pkce_state_and_nonce_and_yields_the_identity(
    oidc_provider: pt.OidcProvider,
) -> None:
    login = new_login(oidc_provider, groups=["Engineering", "Ops"])
    client = OidcClient(config(oidc_provider), CALLBACK)
    started = await client.start()
    params = {k: v[0] for k, v in parse_qs(urlsplit(started.url).query).items()}
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url SHA-256 of the verifier
    assert params["state"] == started.state
    assert params["nonce"] == started.nonce
    assert params["redirect_uri"] == CALLBACK
    assert set(params["scope"].split()) == {"openid", "email", "profile"}

    back = await come_back(oidc_provider, started.url, login)
    assert back["state"] == started.state
    identity = await client.identity(back["code"], started.code_verifier, started.nonce)
    assert identity.subject == login
    assert identity.email == f"{login}@example.com"
    assert identity.email_verified is True
    assert identity.groups == ["Engineering", "Ops"]


async def test_the_code_is_worthless_without_the_pkce_verifier(
    oidc_provider: pt.OidcProvider,
) -> None:
    client = OidcClient(config(oidc_provider), CALLBACK)
    started = await client.start()
    back = await come_back(oidc_provider, started.url, new_login(oidc_provider))
    with pytest.raises(SsoProtocolError, match="invalid_grant"):
        await client.exchange(back["code"], "not-the-verifier-" * 3)


async def test_an_id_token_for_another_nonce_is_refused(oidc_provider: pt.OidcProvider) -> None:
    client = OidcClient(config(oidc_provider), CALLBACK)
    started = await client.start()
    back = await come_back(oidc_provider, started.url, new_login(oidc_provider))
    token = await client.exchange(back["code"], started.code_verifier)
    with pytest.raises(SsoProtocolError, match="nonce"):
        await client.verify_id_token(token, "a-nonce-from-another-sign-in")
    assert (await client.verify_id_token(token, started.nonce))["nonce"] == started.nonce


async def test_an_id_token_issued_to_another_client_is_refused(
    oidc_provider: pt.OidcProvider,
) -> None:
    other_callback = OTHER_CLIENT.redirect_uris[0]
    other = OidcClient(
        config(
            oidc_provider,
            client_id=OTHER_CLIENT.client_id,
            client_secret=OTHER_CLIENT.client_secret,
        ),
        other_callback,
    )
    started = await other.start()
    back = await come_back(oidc_provider, started.url, new_login(oidc_provider))
    token = await other.exchange(back["code"], started.code_verifier)
    assert (await other.verify_id_token(token, started.nonce))["aud"] == OTHER_CLIENT.client_id
    ours = OidcClient(config(oidc_provider), CALLBACK)
    with pytest.raises(SsoProtocolError, match="aud"):
        await ours.verify_id_token(token, started.nonce)


async def test_a_tampered_id_token_is_refused(oidc_provider: pt.OidcProvider) -> None:
    client = OidcClient(config(oidc_provider), CALLBACK)
    started = await client.start()
    back = await come_back(oidc_provider, started.url, new_login(oidc_provider))
    token = await client.exchange(back["code"], started.code_verifier)
    header, payload, signature = token["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = json.dumps({**claims, "email": "boss@example.com"}).encode()
    forged = base64.urlsafe_b64encode(changed).decode().rstrip("=")
    with pytest.raises(SsoProtocolError, match="ID token refused"):
        await client.verify_id_token(
            {**token, "id_token": f"{header}.{forged}.{signature}"}, started.nonce
        )


async def test_a_discovery_document_naming_another_issuer_is_refused(
    oidc_provider: pt.OidcProvider,
) -> None:
    # The same provider under another name: its document names the issuer it was started as.
    elsewhere = oidc_provider.discovery_url.replace("127.0.0.1", "localhost")
    client = OidcClient(config(oidc_provider, discovery_url=elsewhere), CALLBACK)
    with pytest.raises(SsoProtocolError, match="names issuer"):
        await client.start()


async def test_an_unreachable_provider_is_a_protocol_error() -> None:
    port = pt.free_port()
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    client = OidcClient(
        OidcProviderConfig(id="gone", name="Gone", discovery_url=url, client_id="x"), CALLBACK
    )
    with pytest.raises(SsoProtocolError, match="discovery document unavailable"):
        await client.start()


def test_claim_values_read_lists_strings_and_dotted_paths() -> None:
    claims = {
        "groups": ["a", 7, "b"],
        "role": "admins",
        "realm_access": {"roles": ["x", "y"]},
        "https://example.com/groups": ["ns"],
    }
    assert claim_values(claims, "groups") == ["a", "b"]
    assert claim_values(claims, "role") == ["admins"]
    assert claim_values(claims, "realm_access.roles") == ["x", "y"]
    assert claim_values(claims, "https://example.com/groups") == ["ns"]
    assert claim_values(claims, "missing") == []


def test_email_verified_needs_a_true_claim() -> None:
    assert email_verified({"email_verified": True})
    assert email_verified({"email_verified": "true"})
    assert not email_verified({"email_verified": False})
    assert not email_verified({"email_verified": "yes"})
    assert not email_verified({})
    # Microsoft Entra ID: the optional claim "email domain owner verified".
    assert email_verified({"xms_edov": True})
    assert not email_verified({"email_verified": False, "xms_edov": True})
