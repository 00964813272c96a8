"""The signed tokens in mailed links: reset password, verify email, confirm an email change.

Each kind has its own audience, so one kind never passes for another. ``read_link`` turns any
forged, expired or malformed token into ``None``, never an exception a route would answer 500 to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi_users.jwt import SecretType, decode_jwt, generate_jwt
from fastapi_users.manager import RESET_PASSWORD_TOKEN_AUDIENCE, VERIFY_USER_TOKEN_AUDIENCE

EMAIL_CHANGE_AUDIENCE = "parley:email-change"
RESET_AUDIENCE = RESET_PASSWORD_TOKEN_AUDIENCE
VERIFY_AUDIENCE = VERIFY_USER_TOKEN_AUDIENCE


@dataclass(frozen=True)
class LinkClaims:
    user_id: uuid.UUID
    # The email (verify, email change) or the password fingerprint (reset) the link is bound to.
    bound_to: str


def make_link(
    audience: str, user_id: uuid.UUID, bound_to: str, secret: SecretType, lifetime_seconds: int
) -> str:
    field = "password_fgpt" if audience == RESET_AUDIENCE else "email"
    payload: dict[str, Any] = {"sub": str(user_id), field: bound_to, "aud": audience}
    return generate_jwt(payload, secret, lifetime_seconds)


def read_link(token: str, audience: str, secret: SecretType) -> LinkClaims | None:
    """The claims of a valid, unexpired token of ``audience``, else None."""
    try:
        data = decode_jwt(token, secret, [audience])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    field = "password_fgpt" if audience == RESET_AUDIENCE else "email"
    subject, bound_to = data.get("sub"), data.get(field)
    if not isinstance(subject, str) or not isinstance(bound_to, str):
        return None
    try:
        return LinkClaims(user_id=uuid.UUID(subject), bound_to=bound_to)
    except ValueError:
        return None
