"""The OpenAPI document declares, per operation, every status the chat routes answer, with
its body: a new route without its responses fails here, not only in the resilience fuzzing."""

from __future__ import annotations

import pytest
from parley_chat.app import create_app
from parley_chat.config import Settings
from parley_chat.deps import get_admin, get_api_caller, get_current_user, get_runtime
from parley_testing.openapi import (
    ERROR_BODY_REF,
    Operation,
    assert_bodies_declare_limit_and_validation,
    operations,
)

STREAMS = {"POST /api/chats/{chat_id}/messages", "GET /api/chats/{chat_id}/runs/{run_id}/events"}
OPENAI_ERROR_REF = "#/components/schemas/OpenAIErrorBody"


def _openai(op: Operation) -> bool:
    label: str = op.label
    return label.split(" ")[1].startswith("/api/v1/")


@pytest.fixture(scope="module")
def everything() -> list[Operation]:
    found: list[Operation] = operations(create_app(Settings()))
    return found


@pytest.fixture(scope="module")
def documented(everything: list[Operation]) -> list[Operation]:
    """Parley's own API (``{"detail"}`` errors, 422 on validation)."""
    return [op for op in everything if not _openai(op)]


def test_the_openai_api_declares_openais_errors_and_400_not_422(
    everything: list[Operation],
) -> None:
    by_label = {op.label: op for op in everything if _openai(op)}
    assert set(by_label) == {"GET /api/v1/models", "POST /api/v1/chat/completions"}
    completions = by_label["POST /api/v1/chat/completions"]
    assert {"400", "401", "403", "404", "413", "502", "503"} <= completions.statuses
    assert completions.media_types(200) == {"application/json", "text/event-stream"}
    for op in by_label.values():
        assert "422" not in op.statuses, op.label
        assert "WWW-Authenticate" in op.doc["responses"]["401"]["headers"], op.label
        assert "Retry-After" in op.doc["responses"]["503"]["headers"], op.label
        for status in op.statuses - {"200", "503"}:
            assert op.schema(int(status)) == {"$ref": OPENAI_ERROR_REF}, (op.label, status)


def test_every_route_with_a_body_declares_the_body_limit_and_validation(
    documented: list[Operation],
) -> None:
    expected = {
        "POST /api/chats",
        "PATCH /api/chats/{chat_id}",
        "POST /api/chats/{chat_id}/messages",
        "POST /api/admin/providers",
        "PATCH /api/admin/providers/{provider_id}",
        "POST /api/admin/models",
        "PATCH /api/admin/models/{model_id}",
        "POST /api/keys",
        "PUT /api/admin/budgets",
    }
    assert_bodies_declare_limit_and_validation(documented, expected)


def test_every_authenticated_route_declares_401_with_its_challenge(
    documented: list[Operation],
) -> None:
    authenticated = [op for op in documented if {get_current_user, get_api_caller} & set(op.calls)]
    assert len(authenticated) == 30
    for op in authenticated:
        assert "401" in op.statuses, op.label
        assert "WWW-Authenticate" in op.doc["responses"]["401"]["headers"], op.label
        # EMAIL_NOT_VERIFIED (REQUIRE_VERIFIED_EMAIL); on the admin routes also "admin only"
        assert "403" in op.statuses, op.label
        validates = "parameters" in op.doc or "requestBody" in op.doc
        assert ("422" in op.statuses) == validates, op.label  # a path, a query or a body


def test_the_admin_routes_are_for_admins_only(documented: list[Operation]) -> None:
    admin_routes = [op for op in documented if op.label.split(" ")[1].startswith("/api/admin/")]
    assert len(admin_routes) == 16
    for op in admin_routes:
        assert get_admin in op.calls, op.label
        assert "403" in op.statuses, op.label


def test_every_route_that_reads_the_database_declares_503(documented: list[Operation]) -> None:
    for op in documented:
        if get_runtime in op.calls:
            assert "503" in op.statuses, op.label
            assert "Retry-After" in op.doc["responses"]["503"]["headers"], op.label


def test_the_routes_that_find_or_conflict_declare_it(documented: list[Operation]) -> None:
    by_label = {op.label: op for op in documented}
    for label in ("GET", "PATCH", "DELETE"):
        assert "404" in by_label[f"{label} /api/chats/{{chat_id}}"].statuses
        for entry in ("providers/{provider_id}", "models/{model_id}"):
            assert "404" in by_label[f"{label} /api/admin/{entry}"].statuses
    for label in ("POST /api/admin/providers", "POST /api/admin/models"):
        assert "409" in by_label[label].statuses  # the id exists, or the file defines it
    for entry in ("providers/{provider_id}", "models/{model_id}"):
        for method in ("PATCH", "DELETE"):
            assert "409" in by_label[f"{method} /api/admin/{entry}"].statuses
    assert {"404", "409"} <= by_label["POST /api/chats/{chat_id}/messages"].statuses
    assert {"404", "409"} <= by_label["POST /api/chats/{chat_id}/runs/{run_id}/cancel"].statuses
    assert "404" in by_label["GET /api/chats/{chat_id}/runs/{run_id}/events"].statuses
    assert "409" in by_label["POST /api/keys"].statuses  # too many keys
    for label in (
        "DELETE /api/keys/{key_id}",
        "DELETE /api/admin/keys/{key_id}",
        "DELETE /api/admin/budgets/{budget_id}",
    ):
        assert "404" in by_label[label].statuses


def test_streams_are_documented_as_event_streams_and_errors_as_error_bodies(
    documented: list[Operation],
) -> None:
    for op in documented:
        if op.label in STREAMS:
            assert op.media_types(200) == {"text/event-stream"}, op.label
        for status in op.statuses:
            if int(status) >= 400:
                assert op.media_types(int(status)) == {"application/json"}, (op.label, status)
                assert op.schema(int(status)) == {"$ref": ERROR_BODY_REF}, (op.label, status)


def test_the_error_body_admits_the_message_too_long_detail() -> None:
    document = create_app(Settings()).openapi()
    detail = document["components"]["schemas"]["ErrorBody"]["properties"]["detail"]
    refs = {choice.get("$ref") for choice in detail["anyOf"]}
    assert "#/components/schemas/CodedDetail" in refs
    coded = document["components"]["schemas"]["CodedDetail"]
    assert {"code", "message"} <= set(coded["properties"])
