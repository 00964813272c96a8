"""API keys: ``/api/keys`` (the caller's own, with an access token; a key cannot manage keys)
and ``/api/admin/keys`` (everyone's, admins only); logic in keys/manage.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from parley_common.openapi import responses

from parley_chat.deps import AdminCaller, AdminUser, ApiCaller, CurrentUser, RuntimeDep, UserCaller
from parley_chat.keys import KeyRefusal
from parley_chat.keys.api import (
    AdminApiKeyList,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    CurrentKey,
)

FORBIDDEN = "an API key ('an API key is accepted on /api/v1 only'), or EMAIL_NOT_VERIFIED"
router = APIRouter(
    prefix="/api/keys",
    tags=["keys"],
    responses=responses(401, 403, 503, describe={403: FORBIDDEN}),
)
admin_router = APIRouter(
    prefix="/api/admin/keys",
    tags=["admin"],
    responses=responses(401, 403, 503, describe={403: f"not an admin ('admin only'), {FORBIDDEN}"}),
)


@contextmanager
def _answered() -> Iterator[None]:
    try:
        yield
    except KeyRefusal as exc:
        raise HTTPException(exc.status, str(exc)) from None


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409, 413, 422, describe={409: "'too many keys': 50 unrevoked"}),
)
async def create_key(body: ApiKeyCreate, caller: UserCaller, runtime: RuntimeDep) -> ApiKeyCreated:
    """A new key for the caller; ``key`` is shown this once (only its hash is kept)."""
    with _answered():
        return await runtime.keys.create(caller, body)


@router.get("", response_model=ApiKeyList)
async def list_keys(user: CurrentUser, runtime: RuntimeDep) -> ApiKeyList:
    """The caller's keys, newest first (revoked ones for 30 days); never a secret."""
    return ApiKeyList(items=await runtime.keys.own(user.user_id))


@router.get(
    "/current",
    response_model=CurrentKey,
    responses=responses(404, describe={404: "made with an access token, not a key"}),
)
async def current_key(caller: ApiCaller, runtime: RuntimeDep) -> CurrentKey:
    """The key this request is made with (to check a key works, and whose it is)."""
    if caller.api_key_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not called with an API key")
    with _answered():
        return await runtime.keys.current(caller.api_key_id)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 422))
async def revoke_key(key_id: uuid.UUID, caller: UserCaller, runtime: RuntimeDep) -> Response:
    """Revoke one of the caller's keys: refused from the next request on."""
    with _answered():
        await runtime.keys.revoke(str(key_id), caller, owner=caller.actor.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin_router.get("", response_model=AdminApiKeyList, responses=responses(422))
async def list_all_keys(
    _admin: AdminUser,
    runtime: RuntimeDep,
    user_id: Annotated[str | None, Query(pattern=r"^[!-~]{1,64}$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AdminApiKeyList:
    """Everyone's keys (or one user's), newest first, revoked ones included; never a secret."""
    with _answered():
        return await runtime.keys.page(user_id, cursor, limit)


@admin_router.delete(
    "/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 422)
)
async def revoke_any_key(key_id: uuid.UUID, caller: AdminCaller, runtime: RuntimeDep) -> Response:
    """Revoke anyone's key (audited with the admin as actor)."""
    with _answered():
        await runtime.keys.revoke(str(key_id), caller, owner=None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
