"""What both services' OpenAPI documents say about errors: one error body, declared per status.

Routes declare the statuses they can answer with ``responses(404, 409)``; a router of someone
else's (fastapi-users) gets the missing ones with ``declare(router, 413, when=has_body)``
before it is included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict


class ValidationIssue(BaseModel):
    """One entry of a 422's list, as FastAPI's validation reports it."""

    model_config = ConfigDict(extra="allow")  # auth passes FastAPI's "input" and "ctx" on

    loc: list[str | int]
    msg: str
    type: str


class CodedDetail(BaseModel):
    """A machine-readable refusal: chat's ``message_too_long`` (with ``message``), its usage
    refusals ``BUDGET_EXCEEDED`` / ``RATE_LIMITED`` (with ``limit`` and ``retry_after``),
    fastapi-users' password policy (with ``reason``)."""

    code: str
    message: str | None = None
    reason: str | None = None
    limit: dict[str, Any] | None = None
    retry_after: int | None = None


class ErrorBody(BaseModel):
    """Every JSON error of ours: a sentence, FastAPI's validation list, or a coded detail."""

    detail: str | list[ValidationIssue] | CodedDetail


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}

# Description and headers of each status a Parley route may answer with an ErrorBody.
_ERRORS: dict[int, dict[str, Any]] = {
    400: {"description": "the request cannot be carried out"},
    401: {
        "description": "missing or invalid bearer token",
        "headers": {
            "WWW-Authenticate": {
                "description": 'Bearer, with error="invalid_token" for a bad token',
                "schema": {"type": "string"},
            }
        },
    },
    403: {"description": "refused for this caller (a code in the detail: EMAIL_NOT_VERIFIED)"},
    404: {"description": "not found, or not the caller's"},
    409: {"description": "conflicts with the current state"},
    413: {"description": "request body too large (the limit is in the detail)"},
    422: {"description": "invalid request: a validation list, or a sentence or coded detail"},
    429: {"description": "too many attempts", "headers": _RETRY_AFTER},
    503: {
        "description": (
            "database unavailable, shutting down, or every database connection busy "
            "(then with Retry-After)"
        ),
        "headers": _RETRY_AFTER,
    },
}


def responses(
    *statuses: int, describe: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses=`` for error statuses, each with ErrorBody and its usual headers;
    ``describe`` replaces a status's description."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        spec = {**_ERRORS[status], "model": ErrorBody}
        if describe and status in describe:
            spec["description"] = describe[status]
        declared[status] = spec
    return declared


def event_stream(description: str) -> dict[int | str, dict[str, Any]]:
    """The 200 of a server-sent events route (give the route ``response_class=StreamingResponse``
    so no JSON body is declared next to it)."""
    return {
        200: {
            "description": description,
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    }


def has_body(route: APIRoute) -> bool:
    """The route reads a request body (JSON or form), so the body limit's 413 applies."""
    return route.body_field is not None


def declare(
    router: APIRouter, *statuses: int, when: Callable[[APIRoute], bool] = lambda route: True
) -> APIRouter:
    """Add ``statuses`` to every route of ``router`` that ``when`` selects and that does not
    declare them already, and give its errors declared without a body the ErrorBody they have.
    Call it before ``include_router``: inclusion reads the responses."""
    for route in router.routes:
        if isinstance(route, APIRoute) and when(route):
            for status, spec in responses(*statuses).items():
                route.responses.setdefault(status, spec)
            for status, spec in route.responses.items():
                if int(status) >= 400 and "model" not in spec and "content" not in spec:
                    spec["model"] = ErrorBody
    return router
