"""Role, groups and deactivation follow auth's account-changes feed: a change made after a
token was issued applies to it within a poll; a token issued after the change speaks for
itself (the feed is the contract stand-in on a real socket, the database real)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
from parley_chat.accounts import AccountState, AccountStates
from parley_chat.catalog import StaticCatalog
from parley_chat.config import Settings
from parley_chat.storage import AccountQueries, ChangeRow, StoredAccount, create_engine
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .account_feed_standin import AccountFeedStandIn
from .catalog_support import model_body
from .conftest import Chat, User, running_chat
from .feed_fixtures import (  # noqa: F401 (fixtures)
    auth_url_fixture,
    feed_fixture,
    following_chat,
    following_fixture,
)
from .test_account_changes import eventually, status_of
from .two_providers import two_providers


def issued(chat: Chat, user_id: str, *, seconds_ago: int = 30, **claims: Any) -> User:
    """A token of ``user_id`` issued ``seconds_ago`` (before any change the test makes)."""
    iat = int(time.time()) - seconds_ago
    return User(user_id, chat.signing_key.token(user_id, iat=iat, **claims))


async def answer(chat: Chat, method: str, path: str, user: User, **kwargs: Any) -> httpx.Response:
    response: httpx.Response = await chat.http.request(method, path, headers=user.headers, **kwargs)
    return response


async def admin_status(chat: Chat, user: User) -> int:
    return (await answer(chat, "GET", "/api/admin/models", user)).status_code


async def listed(chat: Chat, user: User) -> list[str]:
    response = await answer(chat, "GET", "/api/models", user)
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["items"]]


async def test_a_role_given_by_the_feed_opens_the_admin_api_and_taking_it_back_closes_it(
    chat: Chat, feed: AccountFeedStandIn
) -> None:
    bob = issued(chat, str(uuid.uuid4()), role="member")
    assert await admin_status(chat, bob) == 403

    feed.change(bob.id, role="admin")  # promoted: sessions are not ended, the token stays
    await eventually(lambda: _is(admin_status(chat, bob), 200))
    created = await answer(chat, "POST", "/api/admin/models", bob, json=model_body("m", "default"))
    assert created.status_code == 201, created.text

    feed.change(bob.id, role="member")  # demoted again
    await eventually(lambda: _is(admin_status(chat, bob), 403))
    refused = await answer(chat, "DELETE", "/api/admin/models/m", bob)
    assert (refused.status_code, refused.json()) == (403, {"detail": "admin only"})
    assert (await status_of(chat, bob)).status_code == 200  # still a signed-in member


async def test_groups_from_the_feed_open_and_close_a_group_restricted_model(
    following: Callable[..., Any],
    feed: AccountFeedStandIn,
    signing_key: Key,
    stub: LlmStub,
    stub_two: LlmStub,
) -> None:
    catalog = StaticCatalog(two_providers(stub.base_url, stub_two.base_url))  # secret: staff
    async with running_chat(following(), signing_key, catalog) as chat:
        carol = issued(chat, str(uuid.uuid4()))  # no groups in her token
        chat_id = (await chat.create_chat(carol))["id"]
        assert "secret" not in await listed(chat, carol)

        feed.change(carol.id, groups=["staff"])
        await eventually(lambda: _contains(listed(chat, carol), "secret"))
        events = await chat.send(carol, chat_id, "for staff", model="secret")
        assert (events[0].data["model"], events[-1].event) == ("secret", "run.completed")

        feed.change(carol.id, groups=[])
        await eventually(lambda: _lacks(listed(chat, carol), "secret"))
        refused = await answer(
            chat,
            "POST",
            f"/api/chats/{chat_id}/messages",
            carol,
            json={"content": "again", "model": "secret"},
        )
        assert refused.status_code == 422
        assert refused.json() == {"detail": "model 'secret' is not available to you"}


async def test_admins_see_and_use_only_the_models_of_their_groups(chat: Chat) -> None:
    admin = issued(chat, str(uuid.uuid4()), role="admin")
    body = model_body("team", "default", groups=["research"])
    assert (await answer(chat, "POST", "/api/admin/models", admin, json=body)).status_code == 201
    assert await listed(chat, admin) == ["stub-model"]
    chat_id = (await chat.create_chat(admin))["id"]
    refused = await answer(
        chat,
        "POST",
        f"/api/chats/{chat_id}/messages",
        admin,
        json={"content": "hi", "model": "team"},
    )
    assert (refused.status_code, refused.json()) == (
        422,
        {"detail": "model 'team' is not available to you"},
    )
    # The admin API still lists every model, whoever may use it.
    everything = (await answer(chat, "GET", "/api/admin/models", admin)).json()["items"]
    assert [(m["id"], m["groups"]) for m in everything] == [
        ("stub-model", []),
        ("team", ["research"]),
    ]
    researcher = issued(chat, admin.id, role="admin", groups=["research"])
    assert await listed(chat, researcher) == ["stub-model", "team"]


async def test_a_deactivated_account_is_refused_until_reactivated(
    chat: Chat, feed: AccountFeedStandIn
) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    assert (await status_of(chat, alice)).status_code == 200

    feed.change(alice.id, token_version=1, active=False)  # deactivation ends sessions too
    await eventually(lambda: _is_status(status_of(chat, alice), 401))
    refused = await status_of(chat, alice)
    assert refused.json() == {"detail": "account deactivated"}
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    # Whatever token: one of the current version, issued now, is refused as well.
    current = User(alice.id, chat.signing_key.token(alice.id, token_version=1))
    assert (await status_of(chat, current)).json() == {"detail": "account deactivated"}
    assert (await status_of(chat, bob)).status_code == 200

    feed.change(alice.id, token_version=1, active=True)
    await eventually(lambda: _is_status(status_of(chat, current), 200))
    assert (await status_of(chat, alice)).json() == {"detail": "token revoked"}


async def test_a_token_issued_after_the_feed_row_speaks_for_itself(
    chat: Chat, feed: AccountFeedStandIn, signing_key: Key
) -> None:
    dave_id = str(uuid.uuid4())
    old_admin = issued(chat, dave_id, role="admin")
    assert await admin_status(chat, old_admin) == 200

    changed_at = feed.change(dave_id, role="member", groups=["staff"])  # demoted
    await eventually(lambda: _is(admin_status(chat, old_admin), 403))

    # Promoted again, and a token issued after the row says so before chat hears of it.
    after = int(changed_at.timestamp()) + 1
    newer = User(dave_id, signing_key.token(dave_id, iat=after, role="admin", groups=[]))
    assert await admin_status(chat, newer) == 200
    # The other way round: the row says admin, a later token says member.
    changed_at = feed.change(dave_id, role="admin")
    await eventually(lambda: _is(admin_status(chat, old_admin), 200))
    after = int(changed_at.timestamp()) + 1
    later = User(dave_id, signing_key.token(dave_id, iat=after, role="member"))
    assert await admin_status(chat, later) == 403


async def test_what_the_feed_said_is_stored_and_holds_while_auth_is_down_at_start(
    following: Callable[..., Any], feed: AccountFeedStandIn, signing_key: Key, db_url: str
) -> None:
    erin_id, frank_id = str(uuid.uuid4()), str(uuid.uuid4())
    async with running_chat(following(), signing_key) as chat:
        erin, frank = issued(chat, erin_id), issued(chat, frank_id)
        feed.change(erin_id, role="admin", groups=["staff"])
        feed.change(frank_id, token_version=2, active=False)
        await eventually(lambda: _is(admin_status(chat, erin), 200))
        await eventually(lambda: _is_status(status_of(chat, frank), 401))
    with psycopg.connect(db_url) as conn:
        stored = conn.execute(
            "SELECT user_id, role, groups, active, token_version FROM ai.parley_account_states"
            " ORDER BY role"
        ).fetchall()
    assert sorted(stored) == sorted(
        [(erin_id, "admin", ["staff"], True, 0), (frank_id, "member", [], False, 2)]
    )

    feed.available = False
    async with running_chat(following(), signing_key) as chat:
        assert await admin_status(chat, erin) == 200
        assert (await status_of(chat, frank)).json() == {"detail": "account deactivated"}


async def test_an_older_auth_without_roles_in_its_feed_leaves_the_tokens_claims(
    chat: Chat, feed: AccountFeedStandIn, signing_key: Key
) -> None:
    feed.legacy = True
    grace_id = str(uuid.uuid4())
    old = issued(chat, grace_id, role="admin")
    feed.change(grace_id, token_version=1)  # a password change, told the old way
    await eventually(lambda: _is_status(status_of(chat, old), 401))
    # Issued in the same second as the change (iat has whole seconds): not demoted.
    fresh = User(grace_id, signing_key.token(grace_id, token_version=1, role="admin"))
    assert await admin_status(chat, fresh) == 200


async def test_a_change_read_again_after_a_newer_one_undoes_nothing(db_url: str) -> None:
    """The feed is read with an overlap, and replicas apply pages in any order: the newest
    change wins for role, groups and the active flag, versions only grow, deletion stays."""
    newer = ChangeRow("u", 3, False, "admin", ["staff"], False, datetime(2030, 1, 1, tzinfo=UTC))
    older = ChangeRow("u", 5, True, "member", [], True, datetime(2029, 1, 1, tzinfo=UTC))
    states = AccountStates()
    for row in (newer, older):
        states.apply(row.user_id, _state(row))
    assert states.get("u") == AccountState(
        token_version=5,
        deleted=True,
        role="admin",
        groups=frozenset({"staff"}),
        active=False,
        changed_at=newer.changed_at.timestamp(),
    )
    engine = create_engine(Settings(DATABASE_URL=db_url))
    try:
        queries = AccountQueries(engine, "ai")
        await queries.apply([newer], [])
        await queries.apply([older], ["u"])
        [stored] = (await queries.load()).accounts
    finally:
        await engine.dispose()
    assert stored == StoredAccount("u", 5, True, "admin", ("staff",), False, newer.changed_at)


def _state(row: ChangeRow) -> AccountState:
    groups = None if row.groups is None else frozenset(row.groups)
    return AccountState(
        row.token_version, row.deleted, row.role, groups, row.active, row.changed_at.timestamp()
    )


async def _is(status: Any, expected: int) -> bool:
    return bool(await status == expected)


async def _is_status(response: Any, expected: int) -> bool:
    return bool((await response).status_code == expected)


async def _contains(models: Any, model_id: str) -> bool:
    return model_id in await models


async def _lacks(models: Any, model_id: str) -> bool:
    return model_id not in await models
