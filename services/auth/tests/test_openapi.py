"""The OpenAPI document declares, per operation, every status the auth routes answer (ours and
fastapi-users'), with its body: a new route without its responses fails here first."""

from __future__ import annotations

import pytest
from parley_auth.app import create_app
from parley_auth.config import Settings
from parley_auth.deps import get_session
from parley_testing.openapi import (
    Operation,
    assert_bodies_declare_limit_and_validation,
    operations,
)

# The only documented routes that never touch the database.
NO_DATABASE = {
    "GET /auth/healthz",
    "GET /auth/.well-known/jwks.json",
    "GET /auth/sso/{provider_id}/login",
}


@pytest.fixture(scope="module")
def documented() -> list[Operation]:
    found: list[Operation] = operations(create_app(Settings()))
    return found


def test_every_route_with_a_body_declares_the_body_limit_and_validation(
    documented: list[Operation],
) -> None:
    expected = {
        "POST /auth/login",
        "POST /auth/register",
        "PATCH /auth/users/me",
        "PATCH /auth/admin/users/{user_id}",
        "POST /auth/admin/groups",
        "PATCH /auth/admin/groups/{group_id}",
        "PUT /auth/admin/registration",
        "POST /auth/internal/audit",
    }
    assert_bodies_declare_limit_and_validation(documented, expected)


def test_every_authenticated_route_declares_401(documented: list[Operation]) -> None:
    authenticated = [op for op in documented if op.doc.get("security")]
    # me (3), logout-all, users/{id} (3), invites (3), sso delete-account, admin: users (5),
    # groups (7), registration (2), audit (1)
    assert len(authenticated) == 26
    for op in authenticated:
        assert "401" in op.statuses, op.label
        assert op.media_types(401) == {"application/json"}, op.label


def test_every_route_that_reads_the_database_declares_503(documented: list[Operation]) -> None:
    for op in documented:
        if op.label in NO_DATABASE:
            assert get_session not in op.calls, op.label
        else:
            assert "503" in op.statuses, op.label


def test_login_declares_its_refusals(documented: list[Operation]) -> None:
    [login] = [op for op in documented if op.label == "POST /auth/login"]
    assert {"400", "429"} <= login.statuses
    assert "Retry-After" in login.doc["responses"]["429"]["headers"]


def test_every_error_has_a_json_body(documented: list[Operation]) -> None:
    for op in documented:
        for status in op.statuses:
            if int(status) >= 400:
                assert op.media_types(int(status)) == {"application/json"}, (op.label, status)


def test_every_admin_route_declares_403(documented: list[Operation]) -> None:
    admin = [op for op in documented if " /auth/admin/" in op.label]
    assert len(admin) == 15
    for op in admin:
        assert {"401", "403"} <= op.statuses, op.label
        assert op.doc["tags"] == ["admin"], op.label
