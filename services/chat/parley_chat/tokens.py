"""Local verification of the auth service's RS256 access tokens (PEM, JWKS file or JWKS URL)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm
from parley_common.jwk import thumbprint

from parley_chat.accounts.states import ADMIN, MEMBER, AccountState, AccountStates

log = structlog.get_logger("parley_chat.tokens")

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class TokenError(Exception):
    """The token is not acceptable; the message is safe to show to the client."""


@dataclass(frozen=True)
class Principal:
    """The verified caller: ``sub`` is the user id that owns chats; ``role`` and ``groups``
    are the token's claims, or the account-changes feed's (``newer``) when auth changed
    them after the token was issued. A caller with an API key (``api_key_id``) has no claims,
    the feed's groups (none known: none) and is a member whatever the owner's role."""

    user_id: str
    claims: dict[str, Any]
    newer: AccountState | None = None  # the feed's row, when later than the token's ``iat``
    api_key_id: str | None = None  # the key the caller used, None for an access token

    @property
    def role(self) -> str:
        if self.api_key_id is not None:
            return MEMBER  # a key never reaches admin routes
        role = self.claims.get("role")
        if self.newer is not None and self.newer.role is not None:
            role = self.newer.role  # None: an older auth's row says nothing of it
        return role if isinstance(role, str) else MEMBER

    @property
    def groups(self) -> frozenset[str]:
        if self.newer is not None and self.newer.groups is not None:
            return self.newer.groups
        claim = self.claims.get("groups")
        if not isinstance(claim, list):
            return frozenset()
        return frozenset(g for g in claim if isinstance(g, str))

    @property
    def is_admin(self) -> bool:
        """Admins manage the model catalog (and never read others' chats)."""
        return self.role == ADMIN

    @property
    def email(self) -> str | None:
        """The ``email`` claim, when auth put one in the token."""
        email = self.claims.get("email")
        return email if isinstance(email, str) else None

    @property
    def email_verified(self) -> bool:
        """Auth said so in the token (a token without the claim is not verified)."""
        return self.claims.get("email_verified") is True


def parse_keys(data: bytes) -> dict[str, RSAPublicKey]:
    """Read RSA public keys from PEM bytes or a JWKS JSON document, keyed by ``kid``."""
    text = data.strip()
    if text.startswith(b"{"):
        document = json.loads(text)
        keys: dict[str, RSAPublicKey] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
                continue
            if jwk.get("alg", ALGORITHM) != ALGORITHM:
                continue
            key = RSAAlgorithm.from_jwk(jwk)
            if not isinstance(key, RSAPublicKey):
                continue
            keys[str(jwk.get("kid") or thumbprint(key))] = key
        return keys
    keys = {}
    # A PEM file may hold several public keys (key rotation): load each block.
    for block in text.split(b"-----END PUBLIC KEY-----"):
        if b"-----BEGIN PUBLIC KEY-----" not in block:
            continue
        loaded = serialization.load_pem_public_key(block + b"-----END PUBLIC KEY-----\n")
        if isinstance(loaded, RSAPublicKey):
            keys[thumbprint(loaded)] = loaded
    return keys


class TokenVerifier:
    """Verifies access tokens against a cached key set that follows key rotation.

    An unknown ``kid`` re-reads the keys file when it changed (a stat) or refetches the JWKS URL
    (at most once per ``refetch_interval``); every ``reload_interval`` the key set is reloaded
    anyway, so a key removed from the set stops being accepted. With ``accounts``, a token
    issued before its user's last token version bump (``tv`` claim below it, missing = 0) or
    of a deleted or deactivated user is refused, and a role or groups changed after the token
    was issued replace its claims: one dict lookup, no call to auth.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        leeway: int = 30,
        keys_file: str | None = None,
        jwks_url: str | None = None,
        refetch_interval: float = 30.0,
        reload_interval: float = 60.0,
        http_client: httpx.AsyncClient | None = None,
        accounts: AccountStates | None = None,
    ) -> None:
        self.issuer = issuer
        self.accounts = accounts
        self.audience = audience
        self.leeway = leeway
        self.keys_file = keys_file
        self.jwks_url = jwks_url
        self.refetch_interval = refetch_interval
        self.reload_interval = reload_interval
        self._http = http_client
        self._keys: dict[str, RSAPublicKey] = {}
        self._last_fetch = float("-inf")
        self._fetch_lock = asyncio.Lock()
        self._retry_task: asyncio.Task[None] | None = None
        self._reload_task: asyncio.Task[None] | None = None
        # (inode, size, mtime) of the keys file as last read: a rotation replaces or rewrites it.
        self._file_stamp: tuple[int, int, int] | None = None

    @property
    def ready(self) -> bool:
        return bool(self._keys)

    async def start(self) -> None:
        """Load the keys once; a failing JWKS URL is retried on demand, never fatal."""
        if self.keys_file:
            if self._stamp() is None:
                raise ValueError(f"AUTH_PUBLIC_KEYS_FILE {self.keys_file} cannot be read")
            await self._reload_file()
            if not self._keys:
                raise ValueError(f"AUTH_PUBLIC_KEYS_FILE {self.keys_file} holds no RSA public key")
        elif self.jwks_url:
            await self._refetch(force=True)
            if not self._keys:
                # The auth service may start after us: keep trying in the background.
                self._retry_task = asyncio.create_task(self._retry_until_loaded())
        if self.reload_interval > 0:
            self._reload_task = asyncio.create_task(self._reload_periodically())

    async def _reload_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.reload_interval)
            if self.keys_file:
                await self._reload_file()
            else:
                await self._refetch(force=True)

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self.keys_file or "")
        except OSError:
            return None
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    async def _reload_file(self) -> None:
        """Re-read the keys file if it changed since the last read (a stat otherwise)."""
        stamp = self._stamp()
        if stamp is None or stamp == self._file_stamp or not self.keys_file:
            return
        try:
            keys = parse_keys(await asyncio.to_thread(Path(self.keys_file).read_bytes))
        except (OSError, ValueError) as exc:
            log.warning("keys_file_unreadable", path=self.keys_file, error=type(exc).__name__)
            return
        self._file_stamp = stamp
        if not keys:
            # Half-written or emptied by mistake: keep verifying with the keys we have.
            log.warning("keys_file_without_keys", path=self.keys_file)
            return
        if keys.keys() != self._keys.keys():
            log.info("keys_loaded", path=self.keys_file, keys=len(keys))
        self._keys = keys

    async def _retry_until_loaded(self) -> None:
        delay = 0.5
        while not self._keys:
            await asyncio.sleep(delay)
            await self._refetch(force=True)
            delay = min(delay * 2, self.refetch_interval or 30.0)

    async def close(self) -> None:
        for task in (self._retry_task, self._reload_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _refetch(self, *, force: bool = False) -> None:
        if not self.jwks_url or self._http is None:
            return
        async with self._fetch_lock:
            now = time.monotonic()
            if not force:
                # The start-up fetch does not count: a key rotated right after start is picked
                # up by the first token using it; later unknown kids wait out the interval.
                if now - self._last_fetch < self.refetch_interval:
                    return
                self._last_fetch = now
            try:
                response = await self._http.get(self.jwks_url)
                response.raise_for_status()
                keys = parse_keys(response.content)
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("jwks_fetch_failed", url=self.jwks_url, error=type(exc).__name__)
                return
            if keys:
                self._keys = keys
                log.info("jwks_loaded", url=self.jwks_url, keys=len(keys))

    async def _key_for(self, kid: str | None) -> RSAPublicKey:
        if kid is None:
            if len(self._keys) == 1:
                return next(iter(self._keys.values()))
            raise TokenError("token has no key id")
        key = self._keys.get(kid)
        if key is None:
            # A rotation: the new key is published before tokens signed with it arrive.
            if self.jwks_url:
                await self._refetch()
            elif self.keys_file:
                await self._reload_file()
            key = self._keys.get(kid)
        if key is None:
            raise TokenError("token signed by an unknown key")
        return key

    async def verify(self, token: str) -> Principal:
        """Return the caller of a valid token, else raise :class:`TokenError`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenError("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise TokenError("token algorithm not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise TokenError("malformed token")
        key = await self._key_for(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("token expired") from exc
        except jwt.PyJWTError as exc:
            raise TokenError("invalid token") from exc
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 255:
            raise TokenError("invalid token subject")
        token_version = claims.get("tv", 0)
        if type(token_version) is not int or token_version < 0:  # a bool is not a version
            raise TokenError("invalid token version")
        issued_at = claims["iat"]
        if type(issued_at) not in (int, float):
            raise TokenError("invalid token")
        known = None if self.accounts is None else self.accounts.get(sub)
        if known is None:
            return Principal(sub, claims)
        refusal = known.refusal(token_version)
        if refusal is not None:
            raise TokenError(refusal)
        # Auth changed the account after issuing this token: the feed's role and groups hold.
        return Principal(sub, claims, known if known.changed_at > issued_at else None)
