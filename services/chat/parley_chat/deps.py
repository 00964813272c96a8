"""Request dependencies: the app's runtime and the verified caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from parley_chat.audit import Actor, Caller, client_info
from parley_chat.runtime import Runtime
from parley_chat.tokens import Principal, TokenError


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"


def _unauthorized(detail: str, error: bool = True) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if error else "Bearer"
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": challenge},
    )


async def get_current_user(request: Request, runtime: RuntimeDep) -> Principal:
    """The caller of a valid bearer token; anything else is a 401 with a JSON detail, an
    unverified email a 403 when REQUIRE_VERIFIED_EMAIL is on."""
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("not authenticated", error=False)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("not authenticated", error=False)
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
