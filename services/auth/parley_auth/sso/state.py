"""The ``parley_sso`` cookie: what the callback checks (state, nonce, PKCE verifier, where to go
next, and for a re-authentication its purpose and account), signed with SESSION_SECRET, HttpOnly,
SameSite=Lax (it must come back with the provider's redirect), for ten minutes."""

from __future__ import annotations

import hmac
import time
from typing import NamedTuple

import jwt

STATE_COOKIE = "parley_sso"
STATE_COOKIE_PATH = "/auth/sso"
STATE_TTL_SECONDS = 600
STATE_AUDIENCE = "parley:sso-state"
MAX_NEXT_LENGTH = 2000
# What a callback does: sign in, or confirm the deletion of the account that started it.
SIGN_IN = "sign_in"
DELETE_ACCOUNT = "delete_account"


class PendingSignIn(NamedTuple):
    """A sign-in that went to the provider and has not come back yet."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    next: str
    purpose: str = SIGN_IN
    # For a re-authentication: the signed-in account that asked for it (its uuid), and when.
    user_id: str = ""
    started_at: int = 0


def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site ("/chats/1?x=y"), else "/": never another host
    ("//evil.example", "/\\evil.example", "https://..."), never a control character."""
    if (
        not value
        or len(value) > MAX_NEXT_LENGTH
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ord(c) < 0x20 or c in "\\\x7f" for c in value)
    ):
        return "/"
    return value


class StateCookies:
    """Signs and reads the cookie; anything forged, expired or malformed reads as None."""

    def __init__(self, secret: bytes) -> None:
        # Its own key, derived: a state cookie can never pass for another signed value.
        self._key = hmac.new(secret, b"parley-sso-state", "sha256").digest()

    def issue(self, pending: PendingSignIn) -> str:
        payload = {
            **pending._asdict(),
            "aud": STATE_AUDIENCE,
            "exp": int(time.time()) + STATE_TTL_SECONDS,
        }
        return jwt.encode(payload, self._key, algorithm="HS256")

    def read(self, cookie: str | None, provider: str, state: str | None) -> PendingSignIn | None:
        """The pending sign-in of ``provider`` whose state is ``state``, else None."""
        if not cookie or not state:
            return None
        try:
            data = jwt.decode(
                cookie,
                self._key,
                algorithms=["HS256"],
                audience=STATE_AUDIENCE,
                options={"require": ["exp", "aud"]},
            )
            pending = PendingSignIn(**{k: data[k] for k in PendingSignIn._fields if k in data})
        except (jwt.PyJWTError, TypeError):
            return None
        *texts, started_at = pending
        if not all(isinstance(v, str) for v in texts) or type(started_at) is not int:
            return None
        if pending.provider != provider or not hmac.compare_digest(
            pending.state.encode(), state.encode()
        ):
            return None
        return pending._replace(next=safe_next(pending.next))
