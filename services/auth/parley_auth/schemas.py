"""Request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi_users import schemas
from pydantic import BaseModel, EmailStr, Field

from parley_auth.password_policy import MAX_PASSWORD_LENGTH

# Long enough for any password the policy ever accepted; anything longer is not even hashed.
Password = Annotated[str, Field(max_length=4 * MAX_PASSWORD_LENGTH)]


Role = Literal["admin", "member"]


class UserRead(schemas.BaseUser[uuid.UUID]):
    created_at: datetime
    # An email change waiting for its verification link, or null.
    pending_email: str | None = None
    role: Role = "member"
    # Group slugs, sorted.
    groups: list[str] = Field(default_factory=list)
    # The ids of the single sign-on providers the account is linked to, sorted: any of them can
    # confirm its deletion instead of a password.
    sso_providers: list[str] = Field(default_factory=list)


class UserCreate(schemas.BaseUserCreate):
    pass


class RegisterRequest(BaseModel):
    email: EmailStr
    password: Password
    invite_code: str | None = Field(default=None, max_length=200)


class UserUpdate(schemas.BaseUserUpdate):
    """What a superuser may change through ``PATCH /auth/users/{id}``."""


class MeUpdate(BaseModel):
    """``PATCH /auth/users/me``: a new password or email needs the current password."""

    current_password: Password | None = None
    password: Password | None = None
    email: EmailStr | None = None


class MeDelete(BaseModel):
    current_password: Password


class InviteCreate(BaseModel):
    note: str | None = Field(default=None, max_length=200)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    max_uses: int = Field(default=1, ge=1, le=100_000)


class InviteRead(BaseModel):
    id: uuid.UUID
    note: str | None
    expires_at: datetime | None
    max_uses: int
    uses: int
    created_at: datetime


class NewInviteRead(InviteRead):
    code: str  # only in the answer to its creation


class AccountChangeRead(BaseModel):
    user_id: uuid.UUID
    token_version: int
    deleted: bool
    changed_at: datetime
    # The account's authorisation as of changed_at (a deleted one: member, no groups, inactive).
    role: Role
    groups: list[str]
    active: bool


class AccountChanges(BaseModel):
    changes: list[AccountChangeRead]
    now: datetime
    more: bool


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int
    # Browsers get the refresh token only as the HttpOnly cookie, where no script can read it.
    refresh_token: str | None = Field(
        default=None,
        description=(
            "Present only when the request has X-Refresh-Token-Delivery: body (non-browser "
            "clients, which then send it in the body of /auth/refresh and /auth/logout)"
        ),
    )


class RefreshRequest(BaseModel):
    refresh_token: str | None = None


class SsoProviderRead(BaseModel):
    id: str
    name: str


class SsoRedirect(BaseModel):
    """Where to send the browser next (a provider's authorization URL)."""

    url: str


class SsoProviders(BaseModel):
    """``GET /auth/sso/providers``: the sign-in buttons, and which password forms to show."""

    providers: list[SsoProviderRead]
    password_login: bool
    registration: bool
