"""What every /auth/admin router shares: the prefix, the tag, the statuses of admin-only routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from parley_common.openapi import responses

from parley_auth.storable import Text

ADMIN_ONLY = responses(401, 403, 503, describe={403: "Forbidden: the caller is not an admin"})

Cursor = Annotated[
    Text | None, Query(max_length=1000, description="next_cursor of the previous page")
]
Limit = Annotated[int, Query(ge=1, le=200)]


def admin_router(**extra: Any) -> APIRouter:
    return APIRouter(prefix="/auth/admin", tags=["admin"], responses=ADMIN_ONLY, **extra)
