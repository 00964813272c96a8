"""The shared error body and response declarations: one shape for every JSON error."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from parley_common.db_errors import add_database_error_handlers
from parley_common.openapi import ErrorBody, declare, has_body, responses
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


@pytest.mark.parametrize(
    "body",
    [
        {"detail": "chat not found"},
        {"detail": [{"loc": ["body", "title"], "msg": "too long", "type": "string_too_long"}]},
        {"detail": [{"loc": ["query", "limit"], "msg": "x", "type": "y", "input": 0, "ctx": {}}]},
        {"detail": {"code": "message_too_long", "message": "This message is too long"}},
        {"detail": {"code": "REGISTER_INVALID_PASSWORD", "reason": "too short"}},
    ],
)
def test_the_error_body_admits_every_detail_we_send(body: dict[str, Any]) -> None:
    ErrorBody.model_validate(body)


def test_responses_declare_the_error_body_and_the_headers_clients_need() -> None:
    declared = responses(401, 413, 503, describe={413: "too big"})
    assert all(spec["model"] is ErrorBody for spec in declared.values())
    assert "WWW-Authenticate" in declared[401]["headers"]
    assert "Retry-After" in declared[503]["headers"]
    assert declared[413]["description"] == "too big"


class Item(BaseModel):
    name: str


def test_declare_adds_only_what_a_router_lacks_and_gives_bare_errors_a_body() -> None:
    router = APIRouter()

    @router.post("/items", responses={400: {"description": "theirs"}, 403: {"description": "x"}})
    async def create(item: Item) -> Item:
        return item

    @router.get("/items")
    async def read() -> list[Item]:
        return []

    declare(router, 400, 413, when=has_body)
    declare(router, 503)
    app = FastAPI()
    app.include_router(router)
    paths = app.openapi()["paths"]["/items"]
    post, get = paths["post"]["responses"], paths["get"]["responses"]
    assert post["400"]["description"] == "theirs"
    assert {"400", "403", "413", "503"} <= set(post) and "413" not in get and "503" in get
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    assert post["403"]["content"]["application/json"]["schema"] == ref


def test_database_failures_are_503s() -> None:
    app = FastAPI()
    add_database_error_handlers(app, "test")

    @app.get("/down")
    async def down() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    @app.get("/busy")
    async def busy() -> None:
        raise PoolTimeout("QueuePool limit reached")

    client = TestClient(app)
    assert client.get("/down").json() == {"detail": "database unavailable"}
    answer = client.get("/busy")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
