"""Request dependencies: the app's runtime and the verified caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from parley_chat.audit import Actor, Caller, client_info
from parley_chat.keys import KeyRefused, looks_like_key
from parley_chat.runtime import Runtime
from parley_chat.tokens import Principal, TokenError


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
KEY_NOT_ACCEPTED = "an API key is accepted on /api/v1 only"


def _unauthorized(detail: str, error: bool = True) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if error else "Bearer"
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": challenge},
    )


def _bearer(request: Request) -> str:
    """The bearer credential of the request; none is a 401."""
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("not authenticated", error=False)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("not authenticated", error=False)
    return token


async def _token_caller(token: str, runtime: Runtime) -> Principal:
    try:
        principal = await runtime.verifier.verify(token)
    except TokenError as exc:
        raise _unauthorized(str(exc)) from None
    except Exception:
        # Whatever a hostile token triggers inside a library, it is a 401, never a 500.
        raise _unauthorized("invalid token") from None
    if runtime.settings.require_verified_email and not principal.email_verified:
        # Signed in, but may not chat until the address is verified (the web says so).
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=EMAIL_NOT_VERIFIED)
    return principal


async def get_current_user(request: Request, runtime: RuntimeDep) -> Principal:
    """The caller of a valid access token; anything else is a 401 with a JSON detail, an
    unverified email a 403 when REQUIRE_VERIFIED_EMAIL is on, an API key a 403 (keys are for
    /api/v1: they cannot manage keys nor reach admin routes)."""
    token = _bearer(request)
    if looks_like_key(token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=KEY_NOT_ACCEPTED)
    return await _token_caller(token, runtime)


CurrentUser = Annotated[Principal, Depends(get_current_user)]


ADMIN_ONLY = "admin only"


async def get_admin(user: CurrentUser) -> Principal:
    """The caller, if auth made them an admin (the token's ``role``, or the account-changes
    feed's when it is newer); others get 403."""
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=ADMIN_ONLY)
    return user


AdminUser = Annotated[Principal, Depends(get_admin)]


async def get_admin_caller(request: Request, admin: AdminUser) -> Caller:
    """The admin and the client they call from, as the audit log records a change."""
    return Caller(Actor(admin.user_id, admin.email), client_info(request))


AdminCaller = Annotated[Caller, Depends(get_admin_caller)]


async def get_api_caller(request: Request, runtime: RuntimeDep) -> Principal:
    """The caller of /api/v1: a Parley API key (``pk-parley-...``: one indexed lookup, the
    owner's account state from the feed; refused with 401 ``invalid_api_key``, or the
    account's refusal), or, for convenience, a normal access token."""
    token = _bearer(request)
    if not looks_like_key(token):
        return await _token_caller(token, runtime)
    try:
        return await runtime.key_verifier.verify(token)
    except KeyRefused as exc:
        raise _unauthorized(str(exc)) from None


ApiCaller = Annotated[Principal, Depends(get_api_caller)]


async def get_user_caller(request: Request, user: CurrentUser) -> Caller:
    """The signed-in user and the client they call from, as the audit log records a change."""
    return Caller(Actor(user.user_id, user.email), client_info(request))


UserCaller = Annotated[Caller, Depends(get_user_caller)]
