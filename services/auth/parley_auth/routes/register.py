"""Registration under REGISTRATION's policy, and the superusers' invites."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi_users import exceptions
from fastapi_users.router.common import ErrorCode
from parley_common.openapi import ErrorBody, responses

from parley_auth.audit import client_info
from parley_auth.deps import CurrentSuperuser, SessionDep, UserManagerDep
from parley_auth.invites import create_invite, delete_invite, list_invites
from parley_auth.rate_limits import LIMITED_DESCRIPTION, REGISTER_LIMIT
from parley_auth.registration import (
    INVITE_CODE_INVALID,
    REGISTRATION_CLOSED,
    REGISTRATION_DOMAIN_NOT_ALLOWED,
    RegistrationRefused,
    register,
)
from parley_auth.schemas import (
    InviteCreate,
    InviteRead,
    NewInviteRead,
    RegisterRequest,
    UserRead,
)
from parley_auth.sso.only import PASSWORD_LOGIN_DISABLED, PASSWORD_ROUTE


def _forbidden(description: str) -> dict[int | str, dict[str, Any]]:
    return {403: {"model": ErrorBody, "description": description}}


router = APIRouter(prefix="/auth", responses=responses(503))


@router.post(
    "/register",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    tags=["auth"],
    dependencies=[PASSWORD_ROUTE, REGISTER_LIMIT],
    responses={
        **responses(
            400,
            413,
            422,
            429,
            describe={
                400: f"{ErrorCode.REGISTER_USER_ALREADY_EXISTS} (unless accounts are concealed)"
                f" or {ErrorCode.REGISTER_INVALID_PASSWORD} (with a reason)",
                429: LIMITED_DESCRIPTION,
            },
        ),
        **_forbidden(
            f"{REGISTRATION_CLOSED}, {REGISTRATION_DOMAIN_NOT_ALLOWED}, {INVITE_CODE_INVALID}"
            f" or {PASSWORD_LOGIN_DISABLED} (SSO_ONLY)"
        ),
    },
)
async def register_account(
    body: RegisterRequest, request: Request, manager: UserManagerDep
) -> UserRead:
    """Create an account (``invite_code`` when registration is by invite)."""
    try:
        return await register(manager, body, client_info(request))
    except RegistrationRefused as refused:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=refused.code) from None
    except exceptions.InvalidPasswordException as invalid:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail={"code": ErrorCode.REGISTER_INVALID_PASSWORD, "reason": invalid.reason},
        ) from None
    except exceptions.UserAlreadyExists:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, detail=ErrorCode.REGISTER_USER_ALREADY_EXISTS
        ) from None


invites = APIRouter(
    prefix="/auth/invites",
    tags=["invites"],
    responses={**responses(401, 503), **_forbidden("not a superuser")},
)


@invites.post(
    "",
    response_model=NewInviteRead,
    status_code=status.HTTP_201_CREATED,
    responses=responses(413, 422),
)
async def make_invite(
    body: InviteCreate, request: Request, admin: CurrentSuperuser, session: SessionDep
) -> NewInviteRead:
    """A new invite code: shown in this answer only (stored as a hash, never audited)."""
    made = await create_invite(
        session,
        created_by=admin.id,
        note=body.note,
        expires_in_days=body.expires_in_days,
        max_uses=body.max_uses,
        client=client_info(request),
    )
    return NewInviteRead.model_validate({**_fields(made.invite), "code": made.code})


@invites.get("", response_model=list[InviteRead])
async def read_invites(admin: CurrentSuperuser, session: SessionDep) -> list[InviteRead]:
    return [InviteRead.model_validate(_fields(invite)) for invite in await list_invites(session)]


@invites.delete(
    "/{invite_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 422)
)
async def remove_invite(
    invite_id: uuid.UUID, request: Request, admin: CurrentSuperuser, session: SessionDep
) -> Response:
    if not await delete_invite(session, invite_id, admin, client_info(request)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _fields(invite: Any) -> dict[str, Any]:
    return {name: getattr(invite, name) for name in InviteRead.model_fields}
