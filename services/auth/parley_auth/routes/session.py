"""Login, refresh and logout: an access token, a rotating refresh token (HttpOnly cookie, or the
body for a client that asks), and the device cookie that exempts a known browser from lockouts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Body,
    Cookie,
    Depends,
    Header,
    HTTPException,
    Request,
    Response,
    status,
)
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users.router.common import ErrorCode
from parley_common.openapi import ErrorBody, responses
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.audit import client_info
from parley_auth.deps import RuntimeDep, SessionDep, UserManagerDep
from parley_auth.devices import DEVICE_COOKIE
from parley_auth.issuing import access_token_for
from parley_auth.models import User
from parley_auth.password_policy import MAX_PASSWORD_LENGTH
from parley_auth.refresh import InvalidRefreshToken, client_fingerprint
from parley_auth.runtime import Runtime
from parley_auth.schemas import RefreshRequest, TokenPair
from parley_auth.sso.only import PASSWORD_ROUTE, forbidden
from parley_auth.storable import storable_text
from parley_auth.throttle import account_counter, device_counter, email_key

REFRESH_COOKIE = "parley_refresh"
COOKIE_PATH = "/auth"
INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"  # noqa: S105
LOGIN_TOO_MANY_ATTEMPTS = "LOGIN_TOO_MANY_ATTEMPTS"
ORIGIN_NOT_ALLOWED = "ORIGIN_NOT_ALLOWED"

# parley_common declares no 403 (chat answers 404 for what is not the caller's).
FOREIGN_ORIGIN: dict[int | str, dict[str, Any]] = {
    403: {"description": ORIGIN_NOT_ALLOWED, "model": ErrorBody}
}

# Every route has a body (form or JSON) and reads the database.
router = APIRouter(prefix="/auth", tags=["session"], responses=responses(413, 422, 503))

Delivery = Annotated[
    str | None,
    Header(
        alias="X-Refresh-Token-Delivery",
        description="'body': also put the refresh token in the JSON answer (non-browser clients)",
    ),
]
DeviceCookie = Annotated[str | None, Cookie(alias=DEVICE_COOKIE)]
RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE)]
RefreshBody = Annotated[RefreshRequest | None, Body()]


def secure_cookie(runtime: Runtime, request: Request) -> bool:
    # Production is served over https whatever a hop says. Elsewhere the scheme is the client's:
    # behind the gateway TLS ends at the proxy, whose X-Forwarded-Proto the app believes only
    # from FORWARDED_ALLOW_IPS (a client's own header does not count).
    return runtime.settings.is_production or request.url.scheme == "https"


def _set_cookie(
    runtime: Runtime, request: Request, response: Response, name: str, value: str, days: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=days * 86_400,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(runtime, request),
    )


def set_refresh_cookie(
    runtime: Runtime, request: Request, response: Response, refresh_token: str
) -> None:
    """Hand ``refresh_token`` to the browser as the HttpOnly cookie (and nowhere a script sees)."""
    days = runtime.settings.REFRESH_TOKEN_TTL_DAYS
    _set_cookie(runtime, request, response, REFRESH_COOKIE, refresh_token, days)


def clear_refresh_cookie(runtime: Runtime, request: Request, response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(runtime, request),
    )


async def _token_response(
    runtime: Runtime,
    session: AsyncSession,
    request: Request,
    response: Response,
    user: User,
    refresh_token: str,
    in_body: bool,
) -> TokenPair:
    access_token = await access_token_for(runtime, session, user)
    set_refresh_cookie(runtime, request, response, refresh_token)
    response.headers["Cache-Control"] = "no-store"
    return TokenPair(
        access_token=access_token,
        expires_in=runtime.access_tokens.lifetime_seconds,
        refresh_token=refresh_token if in_body else None,
    )


async def start_session(
    runtime: Runtime,
    session: AsyncSession,
    request: Request,
    response: Response,
    user: User,
    account_key: str,
) -> str:
    """What every sign-in (password or SSO) starts: a new refresh-token family (committed, with
    whatever the session holds) and a fresh device cookie for the account; returns the refresh
    token for the caller to hand out."""
    refresh_token = await runtime.refresh_tokens.issue(session, user.id)
    device_days = runtime.settings.DEVICE_COOKIE_TTL_DAYS
    device = runtime.devices.issue(account_key)
    _set_cookie(runtime, request, response, DEVICE_COOKIE, device, device_days)
    return refresh_token


def _wants_body(delivery: str | None) -> bool:
    return delivery is not None and delivery.strip().lower() == "body"


def _refuse_foreign_origin(runtime: Runtime, request: Request) -> None:
    # The cookie rides along with any request the browser makes; SameSite=Strict is one wall,
    # the Origin check a second one that does not depend on the browser's notion of "site".
    if not runtime.origins.allows(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=ORIGIN_NOT_ALLOWED)


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/login",
    response_model=TokenPair,
    response_model_exclude_none=True,
    dependencies=[PASSWORD_ROUTE],
    responses={
        **responses(
            400,
            429,
            describe={
                400: ErrorCode.LOGIN_BAD_CREDENTIALS,
                429: f"{LOGIN_TOO_MANY_ATTEMPTS}, see Retry-After",
            },
        ),
        **forbidden(),
    },
)
async def login(
    request: Request,
    response: Response,
    credentials: Annotated[OAuth2PasswordRequestForm, Depends()],
    runtime: RuntimeDep,
    session: SessionDep,
    user_manager: UserManagerDep,
    delivery: Delivery = None,
    device_cookie: DeviceCookie = None,
) -> TokenPair:
    """OAuth2 password flow: email as ``username``; sets the refresh and device cookies."""
    if not storable_text(credentials.username):
        # No account has such a name, and the throttle and the audit log could not store it.
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=ErrorCode.LOGIN_BAD_CREDENTIALS)
    account_key = email_key(credentials.username)
    client = client_info(request)
    # A browser that signed in to this account before counts on its own; everyone else shares
    # the account's count, so guesses from elsewhere never lock the owner out of it.
    device_id = runtime.devices.device_for(device_cookie, account_key)
    counter = device_counter(device_id) if device_id else account_counter(credentials.username)
    # Counted before the hash: concurrent guesses cannot outrun the limit.
    retry_after = await runtime.throttle.reserve(session, counter)
    if retry_after is not None:
        await audit.record_refused_login(
            session, "login.throttled", credentials.username, client, {"retry_after": retry_after}
        )
        await session.commit()
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=LOGIN_TOO_MANY_ATTEMPTS,
            headers={"Retry-After": str(retry_after)},
        )
    # A password the policy could never have accepted is not worth hashing (nor a DoS vector).
    too_long = len(credentials.password) > MAX_PASSWORD_LENGTH
    user = None if too_long else await user_manager.authenticate(credentials)
    if user is None or not user.is_active:
        reason = "bad_credentials" if user is None else "inactive"
        await audit.record_refused_login(
            session, "login.failed", credentials.username, client, {"reason": reason}
        )
        await session.commit()
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=ErrorCode.LOGIN_BAD_CREDENTIALS)
    await audit.record(
        session,
        "login.succeeded",
        actor=audit.Actor.of(user),
        target=audit.Target.user(user),
        client=client,
        detail={"method": "password"},
    )
    await runtime.throttle.succeeded(session, counter)
    refresh_token = await start_session(runtime, session, request, response, user, account_key)
    return await _token_response(
        runtime, session, request, response, user, refresh_token, _wants_body(delivery)
    )


@router.post(
    "/refresh",
    response_model=TokenPair,
    response_model_exclude_none=True,
    responses={**responses(401, describe={401: INVALID_REFRESH_TOKEN}), **FOREIGN_ORIGIN},
)
async def refresh(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    body: RefreshBody = None,
    cookie: RefreshCookie = None,
    device_cookie: DeviceCookie = None,
    delivery: Delivery = None,
) -> TokenPair:
    """Trade a refresh token (JSON body or cookie) for new tokens; the old one stops working.
    The answer carries the new refresh token only for a body token with the delivery header."""
    from_body = body.refresh_token if body is not None and body.refresh_token else None
    token = from_body or cookie
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=INVALID_REFRESH_TOKEN)
    if from_body is None:
        _refuse_foreign_origin(runtime, request)
    client = client_fingerprint(
        device_cookie, _client_address(request), request.headers.get("user-agent", "")
    )
    try:
        rotation = await runtime.refresh_tokens.rotate(session, token, client)
    except InvalidRefreshToken:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=INVALID_REFRESH_TOKEN) from None
    # A cookie's token never goes into a body: a script on the page could read it there.
    in_body = from_body is not None and _wants_body(delivery)
    return await _token_response(
        runtime, session, request, response, rotation.user, rotation.refresh_token, in_body
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=FOREIGN_ORIGIN,
)
async def logout(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    body: RefreshBody = None,
    cookie: RefreshCookie = None,
) -> Response:
    """Revoke the presented refresh token's whole family and clear the cookie."""
    from_body = body.refresh_token if body is not None and body.refresh_token else None
    if from_body is None and cookie:
        _refuse_foreign_origin(runtime, request)
    token = from_body or cookie
    if token is not None:
        owner = await runtime.refresh_tokens.owner_of(session, token)
        account = await session.get(User, owner) if owner is not None else None
        if account is not None:
            # Committed with the revocation below.
            actor = audit.Actor.of(account)
            target = audit.Target.user(account)
            await audit.record(
                session, "logout", actor=actor, target=target, client=client_info(request)
            )
        await runtime.refresh_tokens.revoke_family_of(session, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_refresh_cookie(runtime, request, response)
    return response
