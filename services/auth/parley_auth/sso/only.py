"""SSO_ONLY: the password routes (login, registration, forgot and reset password, password
change) answer 403 PASSWORD_LOGIN_DISABLED; signing in goes through an OpenID Provider."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, params, status
from fastapi.routing import APIRoute
from parley_common.openapi import ErrorBody

from parley_auth.config import Settings
from parley_auth.deps import RuntimeDep

PASSWORD_LOGIN_DISABLED = "PASSWORD_LOGIN_DISABLED"  # noqa: S105


def refuse_passwords(settings: Settings) -> None:
    """Raise the 403 when passwords are off (SSO_ONLY)."""
    if settings.SSO_ONLY:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=PASSWORD_LOGIN_DISABLED)


async def _password_route(runtime: RuntimeDep) -> None:
    refuse_passwords(runtime.settings)


# ``dependencies=[PASSWORD_ROUTE, ...]``, first: refused before anything is counted or read.
PASSWORD_ROUTE: params.Depends = Depends(_password_route)


def forbidden(*others: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI 403 of a password route (with the route's other 403 codes)."""
    codes = ", ".join((*others, f"{PASSWORD_LOGIN_DISABLED} (SSO_ONLY)"))
    return {403: {"model": ErrorBody, "description": codes}}


def guard_route(router: APIRouter, method: str, path: str) -> None:
    """PASSWORD_ROUTE on a route of fastapi-users' routers, before ``include_router``."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.path == path and method in (route.methods or ()):
            route.dependencies.insert(0, PASSWORD_ROUTE)
            route.responses.update(forbidden())
            return
    raise LookupError(f"no route {method} {path}")
