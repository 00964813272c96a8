"""Each operation of an app's OpenAPI document next to the route that serves it, for tests
that check a route declares every status it can answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

ERROR_BODY_REF = "#/components/schemas/ErrorBody"


class Operation(NamedTuple):
    label: str  # "POST /api/chats"
    doc: dict[str, Any]  # the operation in app.openapi()
    calls: frozenset[Callable[..., Any]]  # every dependency the route runs, nested ones too

    @property
    def statuses(self) -> set[str]:
        return set(self.doc["responses"])

    def media_types(self, status: int) -> set[str]:
        return set(self.doc["responses"][str(status)].get("content", {}))

    def schema(self, status: int, media_type: str = "application/json") -> dict[str, Any]:
        schema: dict[str, Any] = self.doc["responses"][str(status)]["content"][media_type]["schema"]
        return schema


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def operations(app: FastAPI) -> list[Operation]:
    """Every documented operation of ``app``; fails if a documented path has no route."""
    document = app.openapi()
    found: list[Operation] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in sorted(route.methods or ()):
            doc = document["paths"][context.path_format][method.lower()]
            label = f"{method} {context.path_format}"
            found.append(Operation(label, doc, frozenset(_calls(route.dependant))))
    return found


def assert_bodies_declare_limit_and_validation(
    documented: list[Operation], expected: set[str]
) -> None:
    """Every operation that takes a body declares 413 (the body limit, with the error body) and
    422 (validation); ``expected`` are labels that must be among them."""
    with_body = [op for op in documented if "requestBody" in op.doc]
    assert expected <= {op.label for op in with_body}
    for op in with_body:
        assert {"413", "422"} <= op.statuses, op.label
        assert op.schema(413) == {"$ref": ERROR_BODY_REF}, op.label
