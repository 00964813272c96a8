"""The OpenID Connect protocol, with Authlib: discovery, the authorization URL (PKCE S256, state,
nonce), the code exchange, and the ID token verified against the provider's JWKS (signature,
iss, aud, exp, nonce)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import httpx2
import structlog
from authlib.integrations.starlette_client import OAuth, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from parley_auth.sso.config import OidcProviderConfig

log = structlog.get_logger(__name__)

TIMEOUT_SECONDS = 10.0
# Clock skew allowed between us and the provider when checking exp, iat and nbf.
LEEWAY_SECONDS = 60
# Asymmetric algorithms only: an HMAC-signed ID token would be checked with the client secret,
# which is not a key the provider publishes.
ID_TOKEN_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
)
TRUE_VALUES = (True, "true")


class SsoProtocolError(Exception):
    """The provider could not be used, or its answer is not acceptable (logged, not shown)."""


class AuthorizationStart(NamedTuple):
    """Where to send the browser, and what the callback must be checked against."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class Identity(NamedTuple):
    """Who the provider says signed in (from the verified ID token, userinfo filling gaps)."""

    subject: str
    email: str | None
    email_verified: bool
    # The raw values of the provider's groups claim.
    groups: list[str]
    # When the person last typed their credentials at the provider (epoch seconds), if it says.
    auth_time: int | None = None


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """The string values of claim ``name``; a dotted name reaches into objects
    (``realm_access.roles``) when no claim has that literal name."""
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def email_verified(claims: Mapping[str, Any]) -> bool:
    """``email_verified`` true; Microsoft Entra ID says it with ``xms_edov`` instead (email
    domain owner verified, an optional claim)."""
    if "email_verified" in claims:
        return claims["email_verified"] in TRUE_VALUES
    return claims.get("xms_edov") in TRUE_VALUES


class OidcClient:
    """One provider of OIDC_PROVIDERS as a relying party; the discovery document and the JWKS
    are fetched on first use and kept (the JWKS is fetched again for an unknown ``kid``)."""

    def __init__(self, config: OidcProviderConfig, redirect_uri: str) -> None:
        self.config = config
        self.redirect_uri = redirect_uri
        secret = config.client_secret.get_secret_value()
        self._app: Any = OAuth().register(
            name=config.id,
            client_id=config.client_id,
            client_secret=secret or None,
            server_metadata_url=config.discovery_url,
            client_kwargs={
                "scope": config.scopes,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
                "timeout": TIMEOUT_SECONDS,
            },
        )

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, checked to name the configured issuer."""
        try:
            metadata: dict[str, Any] = await self._app.load_server_metadata()
        except (httpx2.HTTPError, ValueError) as error:
            raise SsoProtocolError(f"discovery document unavailable: {error!r}") from None
        issuer = metadata.get("issuer")
        # OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for,
        # so a provider cannot speak for another. (Some issuers end with a slash, some do not.)
        if not isinstance(issuer, str) or issuer.rstrip("/") != self.config.expected_issuer:
            raise SsoProtocolError(f"discovery document names issuer {issuer!r}")
        return metadata

    async def start(self, *, reauthenticate: bool = False) -> AuthorizationStart:
        """A fresh authorization request: random state, nonce and PKCE verifier. With
        ``reauthenticate`` the provider is asked to make the person sign in again, whatever
        session they have there, and to say when (``auth_time``)."""
        await self.metadata()
        # OpenID Connect Core 3.1.2.1: prompt=login asks for a new login, max_age=0 makes
        # auth_time a required claim (and asks again, for providers that ignore prompt).
        extra = {"prompt": "login", "max_age": "0"} if reauthenticate else {}
        started = await self._app.create_authorization_url(self.redirect_uri, **extra)
        return AuthorizationStart(
            started["url"], started["state"], started["nonce"], started["code_verifier"]
        )

    async def exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        """The token endpoint's answer for ``code`` (client authenticated, PKCE verifier)."""
        await self.metadata()
        try:
            token: dict[str, Any] = await self._app.fetch_access_token(
                redirect_uri=self.redirect_uri, code=code, code_verifier=code_verifier
            )
        except OAuthError as error:
            raise SsoProtocolError(f"token endpoint refused: {error.error}") from None
        except (httpx2.HTTPError, ValueError) as error:
            raise SsoProtocolError(f"token endpoint unavailable: {error!r}") from None
        return token

    async def _keys(self, *, refresh: bool) -> KeySet:
        try:
            return KeySet.import_key_set(await self._app.fetch_jwk_set(force=refresh))
        except (httpx2.HTTPError, ValueError, RuntimeError, JoseError) as error:
            raise SsoProtocolError(f"JWKS unavailable: {error!r}") from None

    async def verify_id_token(self, token: Mapping[str, Any], nonce: str) -> dict[str, Any]:
        """The claims of the token answer's ID token: signed by a key of the provider's JWKS,
        issued by it for our client id, unexpired, carrying our nonce."""
        metadata = await self.metadata()
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SsoProtocolError("no ID token in the token answer")
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        registry = JWSRegistry(algorithms=[a for a in offered if a in ID_TOKEN_ALGORITHMS])
        try:
            try:
                decoded = jwt.decode(id_token, await self._keys(refresh=False), registry=registry)
            except InvalidKeyIdError:
                # A key the provider has rotated in since we fetched its JWKS.
                decoded = jwt.decode(id_token, await self._keys(refresh=True), registry=registry)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": self.config.client_id},
                "exp": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            }
            params = {"nonce": nonce, "client_id": self.config.client_id}
            if isinstance(token.get("access_token"), str):
                params["access_token"] = token["access_token"]
            claims = CodeIDToken(decoded.claims, decoded.header, options, params)
            claims.validate(leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise SsoProtocolError(f"ID token refused: {error!r}") from None
        return dict(claims)

    async def _userinfo(self, token: Mapping[str, Any]) -> dict[str, Any]:
        try:
            info = await self._app.userinfo(token=dict(token))
        except (httpx2.HTTPError, OAuthError, ValueError) as error:
            log.warning("sso.userinfo_failed", provider=self.config.id, error=repr(error))
            return {}
        return dict(info)

    async def identity(self, code: str, code_verifier: str, nonce: str) -> Identity:
        """Exchange ``code`` and read who signed in. Claims the ID token lacks (some providers
        put email or groups only in userinfo) come from the userinfo endpoint."""
        token = await self.exchange(code, code_verifier)
        claims = await self.verify_id_token(token, nonce)
        wanted = ("email", self.config.groups_claim)
        metadata = await self.metadata()
        if any(name not in claims for name in wanted) and metadata.get("userinfo_endpoint"):
            info = await self._userinfo(token)
            # OpenID Connect Core 5.3.2: userinfo about anyone else must not be used.
            if info.get("sub") == claims["sub"]:
                claims = {**info, **claims}
        email = claims.get("email")
        auth_time = claims.get("auth_time")
        return Identity(
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) and email else None,
            email_verified=email_verified(claims),
            groups=claim_values(claims, self.config.groups_claim),
            auth_time=auth_time if type(auth_time) is int else None,
        )
