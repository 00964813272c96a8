"""Request dependencies: the app's services and the verified caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from openai import AsyncOpenAI

from parley_chat.config import Settings
from parley_chat.observability import Metrics
from parley_chat.runs import RunManager
from parley_chat.storage import ChatDb, ChatQueries
from parley_chat.tokens import Principal, TokenError, TokenVerifier


@dataclass
class Services:
    """Everything a request may need, built once per app in the lifespan."""

    settings: Settings
    db: ChatDb
    queries: ChatQueries
    client: AsyncOpenAI
    verifier: TokenVerifier
    runs: RunManager
    metrics: Metrics


@dataclass
class Lifecycle:
    """Process state the server loop changes: draining = stopping soon, fail health checks."""

    draining: bool = False


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _unauthorized(detail: str, error: bool = True) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if error else "Bearer"
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": challenge},
    )


async def get_current_user(request: Request, services: ServicesDep) -> Principal:
    """The caller of a valid bearer token; anything else is a 401 with a JSON detail."""
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("not authenticated", error=False)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("not authenticated", error=False)
    try:
        return await services.verifier.verify(token)
    except TokenError as exc:
        raise _unauthorized(str(exc)) from None
    except Exception:
        # Whatever a hostile token triggers inside a library, it is a 401, never a 500.
        raise _unauthorized("invalid token") from None


CurrentUser = Annotated[Principal, Depends(get_current_user)]
