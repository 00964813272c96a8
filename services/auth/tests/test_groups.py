"""Groups in tokens, in /users/me and in the feed; SSO's replacement of its own memberships."""

from __future__ import annotations

import uuid

from parley_auth.groups import groups_of, replace_sso_groups, slugify

from .conftest import Auth, AuthFactory, bearer
from .test_account_changes import SERVICE_TOKEN, claims


async def test_a_token_carries_the_sorted_group_slugs_and_the_role(auth: Auth) -> None:
    alice, token = await auth.user("alice@example.com")
    assert claims(token)["groups"] == [] and claims(token)["role"] == "member"
    auth.sql("INSERT INTO groups (id, name) VALUES ('staff', 'Staff'), ('eng', 'Engineering')")
    auth.sql(
        "INSERT INTO group_members (group_id, user_id, source) VALUES"
        " ('staff', %s, 'manual'), ('eng', %s, 'sso')",
        alice["id"],
        alice["id"],
    )
    fresh = (await auth.tokens("alice@example.com"))["access_token"]
    assert claims(fresh)["groups"] == ["eng", "staff"]
    me = (await auth.client.get("/auth/users/me", headers=bearer(fresh))).json()
    assert me["groups"] == ["eng", "staff"] and me["role"] == "member"


async def test_sso_replaces_only_its_own_memberships(make_auth: AuthFactory) -> None:
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        alice, _ = await auth.user("alice@example.com")
        user_id = uuid.UUID(alice["id"])
        auth.sql("INSERT INTO groups (id, name) VALUES ('staff', 'Staff')")
        auth.sql(
            "INSERT INTO group_members (group_id, user_id, source) VALUES ('staff', %s, 'manual')",
            alice["id"],
        )
        async with auth.app.state.runtime.sessionmaker() as session:
            change = await replace_sso_groups(
                session,
                user_id,
                ["eng", "ops", "Not A Slug"],
                create_missing=True,
                names={"eng": "Engineering"},
            )
            await session.commit()
            assert change.added == ["eng", "ops"] and change.removed == []
            assert await groups_of(session, user_id) == ["eng", "ops", "staff"]
            # Next login: ops is gone from the claim, a missing group is not created.
            change = await replace_sso_groups(
                session, user_id, ["eng", "new"], create_missing=False
            )
            await session.commit()
            assert change.added == [] and change.removed == ["ops"]
            assert await groups_of(session, user_id) == ["eng", "staff"]
            # Nothing from SSO: the manual membership stays.
            await replace_sso_groups(session, user_id, [], create_missing=False)
            await session.commit()
            assert await groups_of(session, user_id) == ["staff"]
        assert auth.sql("SELECT name FROM groups WHERE id = 'eng'") == [("Engineering",)]
        assert auth.sql("SELECT id FROM groups WHERE id = 'new'") == []
        [(role, groups, active)] = auth.sql(
            "SELECT role, groups, active FROM account_changes WHERE user_id = %s", alice["id"]
        )
        assert (role, groups, active) == ("member", ["staff"], True)


def test_slugify_makes_claim_values_into_group_ids() -> None:
    assert slugify("Data Science") == "data-science"
    assert slugify("/org/Équipe_1") == "org-equipe_1"
    assert slugify("---") is None
    assert slugify("x" * 100) == "x" * 64
