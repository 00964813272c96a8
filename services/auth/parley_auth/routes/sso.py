"""Single sign-on routes: the providers, the start of a sign-in (302 to the provider) or of an
account's deletion (the provider's URL), and the callback (302 to ``next`` signed in, or to
``/login?sso_error=CODE``; for a deletion to ``/login?deleted=account`` or
``/settings?sso_error=CODE``). Logic in sso/service.py and sso/reauth.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from fastapi import APIRouter, Cookie, HTTPException, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from parley_common.openapi import responses
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.deps import CurrentUser, RuntimeDep, SessionDep, UserManagerDep
from parley_auth.issuing import promote_listed
from parley_auth.rate_limits import ACCOUNT_LIMIT, LIMITED_DESCRIPTION
from parley_auth.routes.session import (
    clear_refresh_cookie,
    secure_cookie,
    set_refresh_cookie,
    start_session,
)
from parley_auth.runtime import Runtime
from parley_auth.schemas import SsoProviderRead, SsoProviders, SsoRedirect
from parley_auth.sso import reauth
from parley_auth.sso.accounts import SSO_FAILED, SsoRefused
from parley_auth.sso.client import OidcClient
from parley_auth.sso.service import (
    CallbackQuery,
    StartedSignIn,
    record_refusal,
    registration_open,
)
from parley_auth.sso.state import (
    DELETE_ACCOUNT,
    STATE_COOKIE,
    STATE_COOKIE_PATH,
    STATE_TTL_SECONDS,
    PendingSignIn,
)
from parley_auth.throttle import email_key

router = APIRouter(prefix="/auth/sso", tags=["sso"])

# Longer than any code or state a provider sends; anything longer is not read at all.
MAX_PARAMETER = 4096
Parameter = Annotated[str | None, Query(max_length=MAX_PARAMETER)]
StateCookie = Annotated[str | None, Cookie(alias=STATE_COOKIE)]


def _redirect(description: str) -> dict[int | str, dict[str, Any]]:
    location = {"description": "where the browser goes", "schema": {"type": "string"}}
    return {302: {"description": description, "headers": {"Location": location}}}


def _client(runtime: Runtime, provider_id: str) -> OidcClient:
    client = runtime.sso.client(provider_id)
    if client is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")
    return client


class _CookieFlags(TypedDict):
    path: str
    httponly: bool
    samesite: Literal["lax"]
    secure: bool


def _state_cookie_flags(runtime: Runtime, request: Request) -> _CookieFlags:
    # Lax, not Strict: the cookie must come along when the provider sends the browser back.
    return _CookieFlags(
        path=STATE_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookie(runtime, request),
    )


def _failure(code: str, page: str = "/login") -> RedirectResponse:
    return RedirectResponse(f"{page}?sso_error={code}", status_code=status.HTTP_302_FOUND)


def _set_state_cookie(
    runtime: Runtime, request: Request, response: Response, started: StartedSignIn
) -> None:
    response.set_cookie(
        STATE_COOKIE,
        started.state_cookie,
        max_age=STATE_TTL_SECONDS,
        **_state_cookie_flags(runtime, request),
    )
    response.headers["Cache-Control"] = "no-store"


@router.get("/providers", response_model=SsoProviders, responses=responses(503))
async def list_providers(runtime: RuntimeDep, session: SessionDep) -> SsoProviders:
    """The providers to offer, and whether the password login and registration forms apply."""
    return SsoProviders(
        providers=[
            SsoProviderRead(id=c.config.id, name=c.config.name)
            for c in runtime.sso.clients.values()
        ],
        password_login=not runtime.settings.SSO_ONLY,
        registration=await registration_open(session, runtime.settings),
    )


@router.get(
    "/{provider_id}/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={
        **_redirect("to the provider; or to /login?sso_error=SSO_FAILED if it is unusable"),
        **responses(404, 422),
    },
)
async def start_sign_in(
    provider_id: str,
    request: Request,
    runtime: RuntimeDep,
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> RedirectResponse:
    """Send the browser to the provider; ``next`` (a path on this site) is where it lands."""
    client = _client(runtime, provider_id)
    try:
        started = await runtime.sso.start(client, next)
    except SsoRefused as refused:
        return _failure(refused.code)
    response = RedirectResponse(started.url, status_code=status.HTTP_302_FOUND)
    _set_state_cookie(runtime, request, response, started)
    return response


@router.post(
    "/{provider_id}/delete-account",
    response_model=SsoRedirect,
    # Each call asks the provider for a login: limited per user, like the password deletion.
    dependencies=[ACCOUNT_LIMIT],
    responses=responses(
        400,
        401,
        404,
        429,
        503,
        describe={
            400: f"{reauth.SSO_NOT_LINKED}: the account is not linked to this provider",
            429: LIMITED_DESCRIPTION,
            503: f"{SSO_FAILED}: the provider cannot be reached (or the database)",
        },
    ),
)
async def start_deletion(
    provider_id: str,
    request: Request,
    response: Response,
    user: CurrentUser,
    runtime: RuntimeDep,
    session: SessionDep,
) -> SsoRedirect:
    """Delete the account by signing in again at the provider it is linked to: send the browser
    to ``url`` (the state cookie is set). The callback deletes the account and goes to
    ``/login?deleted=account``, or refuses to ``/settings?sso_error=CODE``."""
    client = _client(runtime, provider_id)
    try:
        started = await reauth.start_deletion(runtime.sso, session, client, user)
    except SsoRefused as refused:
        code = status.HTTP_400_BAD_REQUEST
        if refused.code == SSO_FAILED:
            code = status.HTTP_503_SERVICE_UNAVAILABLE
        raise HTTPException(code, detail=refused.code) from None
    _set_state_cookie(runtime, request, response, started)
    return SsoRedirect(url=started.url)


@router.get(
    "/{provider_id}/callback",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={
        **_redirect(
            "signed in: to next (refresh and device cookies set); else to /login?sso_error=CODE"
        ),
        **responses(404, 422, 503),
    },
)
async def finish_sign_in(
    provider_id: str,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    manager: UserManagerDep,
    code: Parameter = None,
    state: Parameter = None,
    error: Parameter = None,
    state_cookie: StateCookie = None,
) -> RedirectResponse:
    """Where the provider sends the browser back: the same session start as a password login,
    or the deletion the state cookie was issued for."""
    client = _client(runtime, provider_id)
    info = audit.client_info(request)
    query = CallbackQuery(code, state, error)
    failure_page = "/login"
    try:
        pending = runtime.sso.pending(client, state_cookie, query)
        if pending.purpose == DELETE_ACCOUNT:
            failure_page = reauth.SETTINGS_PATH
            await reauth.delete_confirmed(manager, client, pending, query, info)
            response = _deleted(runtime, request)
        else:
            response = await _signed_in(runtime, request, session, client, pending, query, info)
    except SsoRefused as refused:
        await session.rollback()
        await record_refusal(session, provider_id, refused, info)
        response = _failure(refused.code, failure_page)
    # Spent either way (the provider takes each code once too).
    response.delete_cookie(STATE_COOKIE, **_state_cookie_flags(runtime, request))
    response.headers["Cache-Control"] = "no-store"
    return response


async def _signed_in(
    runtime: Runtime,
    request: Request,
    session: AsyncSession,
    client: OidcClient,
    pending: PendingSignIn,
    query: CallbackQuery,
    info: audit.ClientInfo,
) -> RedirectResponse:
    signed_in = await runtime.sso.finish(session, runtime.passwords, client, pending, query, info)
    user = signed_in.user
    response = RedirectResponse(pending.next, status_code=status.HTTP_302_FOUND)
    refresh_token = await start_session(
        runtime, session, request, response, user, email_key(user.email)
    )
    set_refresh_cookie(runtime, request, response, refresh_token)
    await promote_listed(session, runtime.settings, user)
    return response


def _deleted(runtime: Runtime, request: Request) -> RedirectResponse:
    response = RedirectResponse("/login?deleted=account", status_code=status.HTTP_302_FOUND)
    clear_refresh_cookie(runtime, request, response)
    return response
