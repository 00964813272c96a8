"""The OIDC test provider is a real OpenID Provider: code flow with PKCE through its login form,
signed ID tokens carrying email, email_verified, name and groups."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from parley_testing import free_port
from parley_testing.oidc import OidcClient, OidcProvider, running_oidc_provider, sign_in
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

CALLBACK = "http://rp.test/callback"
ALICE = {"email": "alice@example.com", "email_verified": True, "name": "Alice", "groups": ["Eng"]}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    other = OidcClient("other-rp", "other-secret-other-secret", ["http://other.test/cb"])
    with running_oidc_provider(
        {"alice": ALICE},
        client_id="rp",
        client_secret="rp-secret-rp-secret-rp-secret",
        redirect_uris=[CALLBACK],
        other_clients=[other],
    ) as running:
        yield running


def relying_party() -> Starlette:
    """Answers the callback with the query it got, as the relying party would read it."""

    async def callback(request: Request) -> PlainTextResponse:
        return PlainTextResponse(json.dumps(dict(request.query_params)))

    return Starlette(routes=[Route("/callback", callback)])


def browser() -> httpx.AsyncClient:
    return httpx.AsyncClient(mounts={"http://rp.test": httpx.ASGITransport(app=relying_party())})


class Started:
    def __init__(self, provider: OidcProvider, *, pkce: bool = True) -> None:
        self.verifier = secrets.token_urlsafe(48)
        self.nonce = secrets.token_urlsafe(16)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest())
        params = {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid email profile",
            "state": "state-1",
            "nonce": self.nonce,
        }
        if pkce:
            params["code_challenge"] = challenge.decode().rstrip("=")
            params["code_challenge_method"] = "S256"
        metadata = httpx.get(provider.discovery_url).json()
        self.url = metadata["authorization_endpoint"] + "?" + urlencode(params)
        self.metadata = metadata


def id_token_claims(provider: OidcProvider, started: Started, code: str) -> dict[str, Any]:
    token = httpx.post(
        started.metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": started.verifier,
        },
        auth=(provider.client_id, provider.client_secret),
    )
    assert token.status_code == 200, token.text
    keys = jwt.PyJWKClient(started.metadata["jwks_uri"])
    id_token = token.json()["id_token"]
    claims: dict[str, Any] = jwt.decode(
        id_token,
        keys.get_signing_key_from_jwt(id_token).key,
        algorithms=["RS256"],
        audience=provider.client_id,
        issuer=provider.issuer,
    )
    return claims


async def test_code_flow_through_the_login_form(provider: OidcProvider) -> None:
    started = Started(provider)
    async with browser() as client:
        back = await sign_in(client, started.url, provider, "alice")
        query = json.loads(back.text)
        assert query["state"] == "state-1"
        claims = id_token_claims(provider, started, query["code"])
        assert claims["sub"] == "alice"
        assert claims["nonce"] == started.nonce
        assert {k: claims[k] for k in ALICE} == ALICE

        # A changed account: the provider's session skips the form, the claims are the new ones.
        provider.set_account("alice", {**ALICE, "groups": ["Ops", "Eng"], "name": "Alice B"})
        again = Started(provider)
        query = json.loads((await sign_in(client, again.url, provider, "alice")).text)
        claims = id_token_claims(provider, again, query["code"])
        assert claims["groups"] == ["Ops", "Eng"]
        assert claims["name"] == "Alice B"


async def test_pkce_is_required(provider: OidcProvider) -> None:
    async with browser() as client:
        back = await sign_in(client, Started(provider, pkce=False).url, provider, "alice")
    query = json.loads(back.text)
    assert query["error"] == "invalid_request"
    assert "PKCE" in query["error_description"]


def test_console_script_serves_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "oidc.json"
    config.write_text(json.dumps({"clients": [], "accounts": {"alice": ALICE}}))
    port = free_port()
    script = Path(sys.executable).with_name("parley-oidc-provider")
    process = subprocess.Popen(
        [script, "--port", str(port), "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        assert ready == {"issuer": f"http://127.0.0.1:{port}", "port": port}
        # The ready line comes once the provider answers.
        found = httpx.get(ready["issuer"] + "/.well-known/openid-configuration")
        assert found.json()["issuer"] == ready["issuer"]
        assert "groups" in found.json()["claims_supported"]
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        assert process.stdout is not None
        process.stdout.close()
