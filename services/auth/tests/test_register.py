"""POST /auth/register: accounts, letter-case duplicates, password policy, bad bodies."""

from __future__ import annotations

import asyncio

from .conftest import PASSWORD, Auth


async def test_register_returns_the_new_user_without_secrets(auth: Auth) -> None:
    response = await auth.client.post(
        "/auth/register", json={"email": "Alice@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "Alice@example.com"
    assert user["is_active"] is True
    assert user["is_verified"] is False
    assert user["is_superuser"] is False
    assert {"id", "created_at"} <= user.keys()
    assert "hashed_password" not in user and "password" not in user
    [(stored_hash,)] = auth.sql("SELECT hashed_password FROM users")
    assert stored_hash.startswith("$argon2id$")
    assert PASSWORD not in stored_hash


async def test_register_ignores_privilege_fields(auth: Auth) -> None:
    response = await auth.client.post(
        "/auth/register",
        json={
            "email": "mallory@example.com",
            "password": PASSWORD,
            "is_superuser": True,
            "is_verified": True,
        },
    )
    assert response.status_code == 201
    assert response.json()["is_superuser"] is False
    assert response.json()["is_verified"] is False


async def test_duplicate_email_in_any_letter_case_is_refused(auth: Auth) -> None:
    await auth.register("bob@example.com")
    for variant in ["bob@example.com", "BOB@EXAMPLE.COM", "Bob@example.com"]:
        response = await auth.client.post(
            "/auth/register", json={"email": variant, "password": PASSWORD}
        )
        assert response.status_code == 400, variant
        assert response.json() == {"detail": "REGISTER_USER_ALREADY_EXISTS"}


WEAK_PASSWORDS = [
    ("short-pw-1", "at least 12"),
    ("x" * 129, "at most 128"),
    ("my name is carol.smith!", "must not contain the email"),
    ("CAROL.SMITH-rocks-2024", "must not contain the email"),
]


async def test_weak_password_is_refused_with_the_reason(auth: Auth) -> None:
    for password, reason_part in WEAK_PASSWORDS:
        response = await auth.client.post(
            "/auth/register", json={"email": "carol.smith@example.com", "password": password}
        )
        assert response.status_code == 400, password
        detail = response.json()["detail"]
        assert detail["code"] == "REGISTER_INVALID_PASSWORD"
        assert reason_part in detail["reason"]
    assert auth.sql("SELECT count(*) FROM users") == [(0,)]


async def test_password_of_exactly_12_and_128_characters_is_accepted(auth: Auth) -> None:
    long_phrase = ("quiet lantern orbit " * 7)[:128]
    for email, password in [("d1@example.com", "Vx9#qLm2!rTz"), ("d2@example.com", long_phrase)]:
        response = await auth.client.post(
            "/auth/register", json={"email": email, "password": password}
        )
        assert response.status_code == 201, response.text


MALFORMED: list[object] = [
    {"email": "not-an-email", "password": PASSWORD},
    {"email": "erin@example.com"},
    {"password": PASSWORD},
    {"email": 42, "password": PASSWORD},
    [],
]


async def test_malformed_body_is_422(auth: Auth) -> None:
    for body in MALFORMED:
        response = await auth.client.post("/auth/register", json=body)
        assert response.status_code == 422, body
        assert "detail" in response.json()
    response = await auth.client.post(
        "/auth/register", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


async def test_twenty_concurrent_registrations_of_one_email_make_one_account(auth: Auth) -> None:
    variants = ["race@example.com", "RACE@example.com", "Race@Example.com", "rAcE@EXAMPLE.COM"]
    responses = await asyncio.gather(
        *(
            auth.client.post(
                "/auth/register", json={"email": variants[i % 4], "password": PASSWORD}
            )
            for i in range(20)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [400] * 19, codes
    assert all(
        r.json() == {"detail": "REGISTER_USER_ALREADY_EXISTS"}
        for r in responses
        if r.status_code == 400
    )
    assert auth.sql("SELECT count(*) FROM users WHERE lower(email) = 'race@example.com'") == [(1,)]
    # The one account works for login in any letter case.
    assert (await auth.login("RACE@EXAMPLE.COM")).status_code == 200
