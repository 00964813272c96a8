"""Login, refresh and logout: access token plus rotating refresh token (body and cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Cookie, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users.router.common import ErrorCode
from parley_common.openapi import responses

from parley_auth.deps import RuntimeDep, SessionDep, UserManagerDep
from parley_auth.models import User
from parley_auth.password_policy import MAX_PASSWORD_LENGTH
from parley_auth.refresh import InvalidRefreshToken
from parley_auth.runtime import Runtime
from parley_auth.schemas import RefreshRequest, TokenPair
from parley_auth.tokens import issue_for

REFRESH_COOKIE = "parley_refresh"
COOKIE_PATH = "/auth"
INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"  # noqa: S105
LOGIN_TOO_MANY_ATTEMPTS = "LOGIN_TOO_MANY_ATTEMPTS"

# Every route has a body (form or JSON) and reads the database.
router = APIRouter(prefix="/auth", tags=["session"], responses=responses(413, 422, 503))


def _secure_cookie(runtime: Runtime, request: Request) -> bool:
    # Production is served over https whatever a hop says. Elsewhere the scheme is the client's:
    # behind the gateway TLS ends at the proxy, whose X-Forwarded-Proto the app believes only
    # from FORWARDED_ALLOW_IPS (a client's own header does not count).
    return runtime.settings.is_production or request.url.scheme == "https"


def set_refresh_cookie(
    runtime: Runtime, request: Request, response: Response, refresh_token: str
) -> None:
    """Hand ``refresh_token`` to the browser as the HttpOnly cookie (and nowhere a script sees)."""
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=runtime.settings.REFRESH_TOKEN_TTL_DAYS * 86_400,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure_cookie(runtime, request),
    )


def clear_refresh_cookie(runtime: Runtime, request: Request, response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure_cookie(runtime, request),
    )


def _token_response(
    runtime: Runtime, request: Request, response: Response, user: User, refresh_token: str
) -> TokenPair:
    set_refresh_cookie(runtime, request, response, refresh_token)
    response.headers["Cache-Control"] = "no-store"
    return TokenPair(
        access_token=issue_for(runtime.access_tokens, user),
        expires_in=runtime.access_tokens.lifetime_seconds,
        refresh_token=refresh_token,
    )


def _presented_token(body: RefreshRequest | None, cookie: str | None) -> str | None:
    if body is not None and body.refresh_token:
        return body.refresh_token
    return cookie or None


@router.post(
    "/login",
    response_model=TokenPair,
    responses=responses(
        400,
        429,
        describe={
            400: ErrorCode.LOGIN_BAD_CREDENTIALS,
            429: f"{LOGIN_TOO_MANY_ATTEMPTS}, see Retry-After",
        },
    ),
)
async def login(
    request: Request,
    response: Response,
    credentials: Annotated[OAuth2PasswordRequestForm, Depends()],
    runtime: RuntimeDep,
    session: SessionDep,
    user_manager: UserManagerDep,
) -> TokenPair:
    """OAuth2 password flow: email as ``username``; also sets the refresh cookie."""
    retry_after = await runtime.throttle.retry_after(session, credentials.username)
    if retry_after is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=LOGIN_TOO_MANY_ATTEMPTS,
            headers={"Retry-After": str(retry_after)},
        )
    # A password the policy could never have accepted is not worth hashing (nor a DoS vector).
    too_long = len(credentials.password) > MAX_PASSWORD_LENGTH
    user = None if too_long else await user_manager.authenticate(credentials)
    if user is None or not user.is_active:
        await runtime.throttle.record_failure(session, credentials.username)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=ErrorCode.LOGIN_BAD_CREDENTIALS)
    await runtime.throttle.clear(session, credentials.username)
    refresh_token = await runtime.refresh_tokens.issue(session, user.id)
    return _token_response(runtime, request, response, user, refresh_token)


@router.post(
    "/refresh",
    response_model=TokenPair,
    responses=responses(401, describe={401: INVALID_REFRESH_TOKEN}),
)
async def refresh(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    body: Annotated[RefreshRequest | None, Body()] = None,
    cookie: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
) -> TokenPair:
    """Trade a refresh token (JSON body or cookie) for new tokens; the old one stops working."""
    token = _presented_token(body, cookie)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=INVALID_REFRESH_TOKEN)
    try:
        rotation = await runtime.refresh_tokens.rotate(session, token)
    except InvalidRefreshToken:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=INVALID_REFRESH_TOKEN) from None
    return _token_response(runtime, request, response, rotation.user, rotation.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    body: Annotated[RefreshRequest | None, Body()] = None,
    cookie: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
) -> Response:
    """Revoke the presented refresh token's whole family and clear the cookie."""
    token = _presented_token(body, cookie)
    if token is not None:
        await runtime.refresh_tokens.revoke_family_of(session, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_refresh_cookie(runtime, request, response)
    return response
