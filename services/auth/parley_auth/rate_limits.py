"""Fixed-window rate limits counted in PostgreSQL (shared by replicas), declared on routes as
FastAPI dependencies: ``dependencies=[rate_limit("register", per="address", rate=...)]``."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

import jwt
from fastapi import Depends, HTTPException, Request, params, status
from fastapi.routing import APIRoute, APIRouter
from parley_common.openapi import responses
from sqlalchemy import case, delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.config import Rate, Settings
from parley_auth.deps import RuntimeDep
from parley_auth.models import RateLimitCounter as Row
from parley_auth.runtime import Runtime
from parley_auth.storable import storable_text
from parley_auth.throttle import email_key

RATE_LIMITED = "RATE_LIMITED"
# What a limit counts by: the client address (as the trusted proxy reports it), the email in
# the JSON body (canonical account key), or the user of the bearer token.
KeySource = Literal["address", "email", "user"]
RateOf = Callable[[Settings], Rate]
LIMITED_DESCRIPTION = f"{RATE_LIMITED}, see Retry-After"


async def hit(session: AsyncSession, key: str, rate: Rate) -> int | None:
    """Count one request on ``key``: None while within ``rate``, else seconds to wait; commits."""
    window_ended = Row.window_ends_at <= func.now()
    new_end = func.now() + timedelta(seconds=rate.window_seconds)
    inserting = insert(Row).values(key=key, hits=1, window_ends_at=new_end)
    # One upsert counts and, when the window is over, starts a new one: atomic across replicas.
    statement = inserting.on_conflict_do_update(
        index_elements=[Row.key],
        set_={
            "hits": case((window_ended, 1), else_=Row.hits + 1),
            "window_ends_at": case((window_ended, new_end), else_=Row.window_ends_at),
        },
    ).returning(Row.hits, func.extract("epoch", Row.window_ends_at - func.now()))
    hits, remaining = (await session.execute(statement)).one()
    await session.commit()
    if hits <= rate.limit:
        return None
    return max(1, math.ceil(float(remaining)))


async def purge_stale(session: AsyncSession) -> int:
    """Delete counters whose window is over (they would start again at 1 anyway); commits."""
    result = await session.execute(
        delete(Row).where(Row.window_ends_at <= func.now()).returning(Row.key)
    )
    await session.commit()
    return len(result.all())


async def _email_in_body(request: Request) -> str | None:
    # FastAPI has read (and cached) the body already; a malformed one gets its 422 later.
    try:
        body: Any = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    email = body.get("email") if isinstance(body, dict) else None
    # Text the database cannot store names no account; the body validation refuses it (422).
    if not isinstance(email, str) or not storable_text(email):
        return None
    return email_key(email)


def _user_of_bearer(request: Request, runtime: Runtime) -> str | None:
    # Only a valid token names a user; without one the route answers 401 on its own.
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        subject = runtime.access_tokens.verify(token).get("sub")
    except jwt.PyJWTError:
        return None
    return subject if isinstance(subject, str) else None


async def _key_of(request: Request, runtime: Runtime, per: KeySource) -> str | None:
    if per == "address":
        return request.client.host if request.client else "unknown"
    if per == "email":
        return await _email_in_body(request)
    return _user_of_bearer(request, runtime)


def rate_limit(scope: str, *, per: KeySource, rate: RateOf) -> params.Depends:
    """A route dependency: 429 RATE_LIMITED + Retry-After past ``rate(settings)`` requests per
    ``per`` key within ``scope`` (requests without such a key are not counted)."""

    async def check(request: Request, runtime: RuntimeDep) -> None:
        if not runtime.settings.RATE_LIMITS_ENABLED:
            return
        key = await _key_of(request, runtime, per)
        if key is None:
            return
        async with runtime.sessionmaker() as session:
            retry_after = await hit(session, f"{scope}:{per}:{key}", rate(runtime.settings))
        if retry_after is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail=RATE_LIMITED,
                headers={"Retry-After": str(retry_after)},
            )

    dependency: params.Depends = Depends(check)
    return dependency


def limit_route(router: APIRouter, method: str, path: str, *limits: params.Depends) -> None:
    """Add ``limits`` (and their 429) to a route of a router built elsewhere (fastapi-users);
    call it before ``include_router``, which copies each route's dependencies."""
    for route in router.routes:
        if (
            isinstance(route, APIRoute)
            and route.path == path
            and method in (route.methods or set())
        ):
            route.dependencies.extend(limits)
            route.responses.update(responses(429, describe={429: LIMITED_DESCRIPTION}))
            return
    raise LookupError(f"no route {method} {path}")


# The limits of the account routes, in one place: a route takes its limit in one line.
# Mail routes (forgot-password, request-verify-token) share one count per email and address.
MAIL_LIMITS = (
    rate_limit("mail", per="email", rate=lambda s: s.RATE_LIMIT_MAIL_PER_EMAIL),
    rate_limit("mail", per="address", rate=lambda s: s.RATE_LIMIT_MAIL_PER_ADDRESS),
)
# Routes that take a mailed token (reset-password, verify).
TOKEN_LIMIT = rate_limit("token", per="address", rate=lambda s: s.RATE_LIMIT_TOKEN_PER_ADDRESS)
REGISTER_LIMIT = rate_limit(
    "register", per="address", rate=lambda s: s.RATE_LIMIT_REGISTER_PER_ADDRESS
)
# PATCH and DELETE /auth/users/me: ``dependencies=[ACCOUNT_LIMIT]`` on the route.
ACCOUNT_LIMIT = rate_limit("account", per="user", rate=lambda s: s.RATE_LIMIT_ACCOUNT_PER_USER)
