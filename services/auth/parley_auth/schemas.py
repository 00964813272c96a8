"""Request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi_users import schemas
from pydantic import BaseModel, Field


class UserRead(schemas.BaseUser[uuid.UUID]):
    created_at: datetime


class UserCreate(schemas.BaseUserCreate):
    pass


class UserUpdate(schemas.BaseUserUpdate):
    pass


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
