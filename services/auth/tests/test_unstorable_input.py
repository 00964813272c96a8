"""Input PostgreSQL cannot store (NUL, lone surrogates, instants off the calendar) is refused
as the caller's mistake (422 with a detail), never answered as a database outage."""

from __future__ import annotations

import base64
import json

import pytest

from .conftest import Auth, AuthFactory, bearer
from .test_audit_log import SERVICE_TOKEN, post_event


def cursor(key: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


NUL_CURSOR = cursor({"e": "a\u0000"})
SURROGATE_CURSOR = cursor({"e": "\ud800"})
BAD_REQUESTS = [
    ("GET", "/auth/admin/users?q=a%00b", None),
    ("GET", f"/auth/admin/users?cursor={NUL_CURSOR}", None),
    ("GET", f"/auth/admin/users?cursor={SURROGATE_CURSOR}", None),
    ("GET", f"/auth/admin/users?cursor={cursor({'e': 5})}", None),
    ("GET", f"/auth/admin/groups/eng/members?cursor={NUL_CURSOR}", None),
    ("GET", "/auth/admin/groups/%00/members", None),
    ("PATCH", "/auth/admin/groups/%00", {"name": "x"}),
    ("PATCH", "/auth/admin/groups/eng", {"name": "a\u0000b"}),
    ("POST", "/auth/admin/groups", {"id": "ok", "name": "a\u0000"}),
    ("PUT", "/auth/admin/groups/%00/members/00000000-0000-0000-0000-000000000000", None),
    ("GET", "/auth/admin/audit?actor=a%00@example.com", None),
    ("GET", "/auth/admin/audit?target=%00", None),
    ("GET", "/auth/admin/audit?kind=login.%00", None),
    ("GET", "/auth/admin/audit?since=0001-01-01T00:00:00%2B14:00", None),
    (
        "GET",
        f"/auth/admin/audit?cursor={cursor({'at': '2020-01-01T00:00:00+00:00', 'id': 10**30})}",
        None,
    ),
    ("GET", f"/auth/admin/audit?cursor={cursor({'at': '2020-01-01T00:00:00', 'id': 1})}", None),
    ("PUT", "/auth/admin/registration", {"mode": "domains", "domains": ["a\u0000.com"]}),
]


@pytest.mark.parametrize(("method", "url", "body"), BAD_REQUESTS)
async def test_admin_routes_refuse_unstorable_input(
    auth: Auth, method: str, url: str, body: object
) -> None:
    _, admin = await auth.admin("admin@example.com")
    await auth.client.post(
        "/auth/admin/groups", headers=bearer(admin), json={"id": "eng", "name": "Eng"}
    )
    answer = await auth.client.request(method, url, headers=bearer(admin), json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


async def test_forwarded_events_with_unstorable_values_are_refused(make_auth: AuthFactory) -> None:
    # A 503 here would make chat's outbox retry the event forever, holding back later ones.
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        for bad in (
            {"detail": {"name": "a\u0000"}},
            {"detail": {"a\u0000": 1}},
            {"target_label": "\u0000"},
            {"at": "0001-01-01T00:00:00+14:00"},
        ):
            answer = await post_event(auth, SERVICE_TOKEN, **bad)
            assert answer.status_code == 422, (bad, answer.text)
        assert (await post_event(auth, SERVICE_TOKEN)).status_code == 204
        feed = await auth.client.get(
            "/auth/internal/account-changes?since=0001-01-01T00:00:00%2B14:00",
            headers=bearer(SERVICE_TOKEN),
        )
        assert feed.status_code == 422


async def test_public_routes_refuse_a_nul_in_the_email(auth: Auth) -> None:
    await auth.user("bob@example.com")
    name = "bob\u0000@example.com"
    login = await auth.client.post("/auth/login", data={"username": name, "password": "x" * 12})
    assert login.status_code == 400 and login.json() == {"detail": "LOGIN_BAD_CREDENTIALS"}
    forgot = await auth.client.post("/auth/forgot-password", json={"email": name})
    assert forgot.status_code == 422 and forgot.json()["detail"]
