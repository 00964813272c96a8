"""Admin API: groups and their manual members. Logic in parley_auth/admin_groups.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path, Request, Response, status
from parley_common.openapi import responses

from parley_auth import admin_groups, admin_users
from parley_auth.admin_schemas import GroupCreate, GroupList, GroupRead, GroupUpdate, UsersPage
from parley_auth.audit import client_info
from parley_auth.deps import CurrentAdmin, SessionDep
from parley_auth.paging import INVALID_CURSOR
from parley_auth.refusals import GROUP_EXISTS
from parley_auth.routes.admin_common import Cursor, Limit, admin_router
from parley_auth.storable import Text

router = admin_router()

GroupId = Annotated[Text, Path(max_length=64)]


@router.get("/groups", response_model=GroupList)
async def list_groups(admin: CurrentAdmin, session: SessionDep) -> GroupList:
    return GroupList(items=await admin_groups.list_groups(session))


@router.post(
    "/groups",
    response_model=GroupRead,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409, 413, 422, describe={409: GROUP_EXISTS}),
)
async def create_group(
    body: GroupCreate, request: Request, admin: CurrentAdmin, session: SessionDep
) -> GroupRead:
    """``id`` is a permanent slug (tokens, the feed and the model catalog name the group by it)."""
    return await admin_groups.create_group(session, admin, body.id, body.name, client_info(request))


@router.patch(
    "/groups/{group_id}",
    response_model=GroupRead,
    responses=responses(404, 409, 413, 422, describe={409: GROUP_EXISTS}),
)
async def rename_group(
    group_id: GroupId, body: GroupUpdate, request: Request, admin: CurrentAdmin, session: SessionDep
) -> GroupRead:
    return await admin_groups.rename_group(
        session, admin, group_id, body.name, client_info(request)
    )


@router.delete(
    "/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 422)
)
async def delete_group(
    group_id: GroupId, request: Request, admin: CurrentAdmin, session: SessionDep
) -> Response:
    """Delete the group; its members lose it (in their next token, and in chat via the feed)."""
    await admin_groups.delete_group(session, admin, group_id, client_info(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/groups/{group_id}/members",
    response_model=UsersPage,
    responses=responses(404, 422, describe={422: INVALID_CURSOR}),
)
async def list_members(
    group_id: GroupId,
    admin: CurrentAdmin,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> UsersPage:
    await admin_groups.get_group(session, group_id)
    listing = await admin_users.list_users(
        session, q=None, cursor=cursor, limit=limit, group_id=group_id
    )
    return UsersPage(
        items=await admin_users.admin_views(session, listing.users),
        next_cursor=listing.next_cursor,
        total=listing.total,
    )


@router.put(
    "/groups/{group_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404, 422),
)
async def add_member(
    group_id: GroupId,
    user_id: uuid.UUID,
    request: Request,
    admin: CurrentAdmin,
    session: SessionDep,
) -> Response:
    """Make the account a manual member (SSO logins never remove it)."""
    await admin_groups.add_member(session, admin, group_id, user_id, client_info(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/groups/{group_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404, 422),
)
async def remove_member(
    group_id: GroupId,
    user_id: uuid.UUID,
    request: Request,
    admin: CurrentAdmin,
    session: SessionDep,
) -> Response:
    await admin_groups.remove_member(session, admin, group_id, user_id, client_info(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
