"""RS256 access tokens: minting with the first key, verifying against every published key."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

import jwt
from fastapi_users import exceptions
from fastapi_users.authentication import Strategy
from fastapi_users.manager import BaseUserManager
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth.groups import groups_of
from parley_auth.keys import ALGORITHM, SigningKey, jwks_document
from parley_auth.models import User

REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]


class AccessTokens:
    """Mints and verifies access tokens with key objects loaded once at startup."""

    def __init__(
        self, keys: list[SigningKey], *, issuer: str, audience: str, lifetime_seconds: int
    ) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.lifetime_seconds = lifetime_seconds
        self._by_kid = {key.kid: key for key in keys}
        self.jwks = jwks_document(keys)

    @property
    def signer(self) -> SigningKey:
        return self.keys[0]

    def issue(
        self,
        subject: str,
        *,
        token_version: int,
        email_verified: bool,
        role: str = "member",
        groups: Sequence[str] = (),
    ) -> str:
        """A signed token; ``tv`` lets every verifier refuse it once the account's version moves,
        ``role`` ("admin" or "member") tells chat who may manage the model catalog, ``groups``
        (sorted slugs) which catalog models the user may pick."""
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "tv": token_version,
            "email_verified": email_verified,
            "role": role,
            "groups": sorted(groups),
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(
            payload, self.signer.private_key, algorithm=ALGORITHM, headers={"kid": self.signer.kid}
        )

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a valid token; raises jwt.PyJWTError otherwise."""
        kid = jwt.get_unverified_header(token).get("kid")
        key = self._by_kid.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise jwt.InvalidTokenError("unknown kid")
        claims: dict[str, Any] = jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            audience=self.audience,
            issuer=self.issuer,
            options={"require": REQUIRED_CLAIMS},
        )
        return claims


class AccessTokenStrategy(Strategy[User, uuid.UUID]):
    """fastapi-users strategy reading our RS256 access tokens (logout is refresh-token based)."""

    def __init__(
        self, tokens: AccessTokens, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self.tokens = tokens
        self.sessionmaker = sessionmaker

    async def read_token(
        self, token: str | None, user_manager: BaseUserManager[User, uuid.UUID]
    ) -> User | None:
        if token is None:
            return None
        try:
            claims = self.tokens.verify(token)
            subject = claims["sub"]
            if not isinstance(subject, str):
                return None
            user = await user_manager.get(user_manager.parse_id(subject))
        except (jwt.PyJWTError, exceptions.UserNotExists, exceptions.InvalidID):
            return None
        # Tokens from before a password change, logout-all or deactivation are dead at once.
        version = claims.get("tv", 0)
        if not isinstance(version, int) or version < user.token_version:
            return None
        return user

    async def write_token(self, user: User) -> str:
        # Unused (our login route issues tokens, with ADMIN_EMAILS applied): kept complete.
        async with self.sessionmaker() as session:
            groups = await groups_of(session, user.id)
        return issue_for(self.tokens, user, groups)

    async def destroy_token(self, token: str, user: User) -> None:
        return None


def issue_for(tokens: AccessTokens, user: User, groups: Sequence[str]) -> str:
    """An access token for ``user`` with its token version, verification state, role and
    ``groups`` (see ``issuing.access_token_for``, which callers use)."""
    return tokens.issue(
        str(user.id),
        token_version=user.token_version,
        email_verified=user.is_verified,
        role=user.role,
        groups=groups,
    )
