"""The signed-in account: read, change (with the current password), delete, log out everywhere."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi_users import exceptions
from fastapi_users.router.common import ErrorCode
from parley_common.openapi import responses

from parley_auth.account import (
    CurrentPasswordInvalid,
    delete_account,
    log_out_everywhere,
    update_account,
)
from parley_auth.audit import client_info
from parley_auth.deps import CurrentUser, RuntimeDep, UserManagerDep
from parley_auth.rate_limits import ACCOUNT_LIMIT, LIMITED_DESCRIPTION
from parley_auth.routes.session import clear_refresh_cookie, set_refresh_cookie
from parley_auth.schemas import MeDelete, MeUpdate, UserRead
from parley_auth.sso.only import forbidden, refuse_passwords

CURRENT_PASSWORD_INVALID = "CURRENT_PASSWORD_INVALID"  # noqa: S105

router = APIRouter(prefix="/auth", responses=responses(401, 503))


def _current_password_invalid() -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, detail=CURRENT_PASSWORD_INVALID)


@router.get("/users/me", response_model=UserRead, tags=["users"])
async def read_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch(
    "/users/me",
    response_model=UserRead,
    tags=["users"],
    # Each call may hash a password: limited per user, like a login per account.
    dependencies=[ACCOUNT_LIMIT],
    responses={
        **responses(
            400,
            413,
            422,
            429,
            describe={
                400: f"{CURRENT_PASSWORD_INVALID}, {ErrorCode.UPDATE_USER_INVALID_PASSWORD} "
                f"(with a reason) or {ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS}",
                429: LIMITED_DESCRIPTION,
            },
        ),
        **forbidden(),
    },
)
async def update_me(
    change: MeUpdate,
    request: Request,
    response: Response,
    user: CurrentUser,
    manager: UserManagerDep,
    runtime: RuntimeDep,
) -> UserRead:
    """A new ``password`` ends every session but this browser's (fresh refresh cookie); a new
    ``email`` waits in ``pending_email`` until the link mailed to it is posted to /auth/verify."""
    if change.password is not None:
        refuse_passwords(runtime.settings)
    try:
        updated = await update_account(manager, user, change, client_info(request))
    except CurrentPasswordInvalid:
        raise _current_password_invalid() from None
    except exceptions.InvalidPasswordException as invalid:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail={"code": ErrorCode.UPDATE_USER_INVALID_PASSWORD, "reason": invalid.reason},
        ) from None
    except exceptions.UserAlreadyExists:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, detail=ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS
        ) from None
    if updated.refresh_token is not None:
        set_refresh_cookie(runtime, request, response, updated.refresh_token)
        response.headers["Cache-Control"] = "no-store"
    return UserRead.model_validate(updated.user)


@router.delete(
    "/users/me",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["users"],
    dependencies=[ACCOUNT_LIMIT],
    responses=responses(
        400, 413, 422, 429, describe={400: CURRENT_PASSWORD_INVALID, 429: LIMITED_DESCRIPTION}
    ),
)
async def delete_me(
    body: MeDelete,
    request: Request,
    user: CurrentUser,
    manager: UserManagerDep,
    runtime: RuntimeDep,
) -> Response:
    """Delete the account for good (its chats follow through the account-change feed)."""
    try:
        await delete_account(manager, user, body.current_password, client_info(request))
    except CurrentPasswordInvalid:
        raise _current_password_invalid() from None
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_refresh_cookie(runtime, request, response)
    return response


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT, tags=["session"])
async def logout_all(
    request: Request, user: CurrentUser, manager: UserManagerDep, runtime: RuntimeDep
) -> Response:
    """End every session of the account: refresh tokens revoked, access tokens refused."""
    await log_out_everywhere(manager, user, client_info(request))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_refresh_cookie(runtime, request, response)
    return response
