"""Admin API: accounts (list and search, read, change role/active/groups, resend the
verification mail, delete). Logic in parley_auth/admin_users.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status
from parley_common.openapi import responses

from parley_auth import admin_users
from parley_auth.admin_schemas import AdminUserRead, AdminUserUpdate, UsersPage
from parley_auth.audit import client_info
from parley_auth.deps import CurrentAdmin, SessionDep, UserManagerDep
from parley_auth.paging import INVALID_CURSOR
from parley_auth.refusals import (
    ALREADY_VERIFIED,
    CANNOT_CHANGE_SELF,
    LAST_ADMIN,
    UNKNOWN_GROUP,
    USER_INACTIVE,
)
from parley_auth.routes.admin_common import Cursor, Limit, admin_router
from parley_auth.storable import Text

router = admin_router()


@router.get(
    "/users", response_model=UsersPage, responses=responses(422, describe={422: INVALID_CURSOR})
)
async def list_users(
    admin: CurrentAdmin,
    session: SessionDep,
    q: Annotated[Text | None, Query(max_length=320, description="email prefix")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> UsersPage:
    """Accounts in canonical-email order; ``q`` is a case-insensitive prefix of the email."""
    listing = await admin_users.list_users(session, q=q, cursor=cursor, limit=limit)
    return UsersPage(
        items=await admin_users.admin_views(session, listing.users),
        next_cursor=listing.next_cursor,
        total=listing.total,
    )


@router.get("/users/{user_id}", response_model=AdminUserRead, responses=responses(404, 422))
async def read_user(user_id: uuid.UUID, admin: CurrentAdmin, session: SessionDep) -> AdminUserRead:
    [view] = await admin_users.admin_views(session, [await admin_users.get_user(session, user_id)])
    return view


@router.patch(
    "/users/{user_id}",
    response_model=AdminUserRead,
    responses=responses(
        404,
        409,
        413,
        422,
        describe={409: f"{CANNOT_CHANGE_SELF} or {LAST_ADMIN}", 422: f"{UNKNOWN_GROUP} or invalid"},
    ),
)
async def update_user(
    user_id: uuid.UUID,
    change: AdminUserUpdate,
    request: Request,
    admin: CurrentAdmin,
    session: SessionDep,
) -> AdminUserRead:
    """``groups`` is the complete list of manual memberships; deactivating ends every session."""
    user = await admin_users.update_user(session, admin, user_id, change, client_info(request))
    [view] = await admin_users.admin_views(session, [user])
    return view


@router.post(
    "/users/{user_id}/verification",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(404, 409, 422, describe={409: f"{ALREADY_VERIFIED} or {USER_INACTIVE}"}),
)
async def resend_verification(
    user_id: uuid.UUID, request: Request, admin: CurrentAdmin, manager: UserManagerDep
) -> Response:
    """Mail the account a new verification link."""
    await admin_users.resend_verification(manager, admin, user_id, client_info(request))
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.delete(
    "/users/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404, 409, 422, describe={409: CANNOT_CHANGE_SELF}),
)
async def delete_user(
    user_id: uuid.UUID, request: Request, admin: CurrentAdmin, manager: UserManagerDep
) -> Response:
    """Delete the account (its chats follow through the account-change feed)."""
    await admin_users.delete_user(manager, admin, user_id, client_info(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
