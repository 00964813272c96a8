"""forgot/reset password and email verification, with mail handed to the outbox."""

from __future__ import annotations

import asyncio

from .conftest import PASSWORD, Auth, Outbox, bearer

NEW_PASSWORD = "a completely new passphrase"


async def forgot(auth: Auth, email: str) -> int:
    response = await auth.client.post("/auth/forgot-password", json={"email": email})
    return int(response.status_code)


async def test_forgot_password_answers_202_for_known_and_unknown_emails(auth: Auth) -> None:
    await auth.register("alice@example.com")
    assert await forgot(auth, "alice@example.com") == 202
    assert await forgot(auth, "nobody@example.com") == 202
    await auth.settle()
    [mail] = auth.outbox.messages
    assert mail.to == "alice@example.com"
    assert "http://localhost:8080/reset-password?token=" in mail.body


async def test_forgot_password_answers_before_the_mail_goes_out(auth: Auth) -> None:
    """The response does not wait for hashing and SMTP, so its timing reveals nothing."""
    await auth.register("alice@example.com")
    auth.outbox.gate = asyncio.Event()  # the SMTP server "hangs"
    assert await asyncio.wait_for(forgot(auth, "alice@example.com"), timeout=5) == 202
    assert auth.outbox.messages == []
    auth.outbox.gate.set()
    await auth.settle()
    assert len(auth.outbox.messages) == 1


async def test_forgot_password_for_an_inactive_user_sends_nothing(auth: Auth) -> None:
    await auth.register("alice@example.com")
    auth.sql("UPDATE users SET is_active = false")
    assert await forgot(auth, "alice@example.com") == 202
    await auth.settle()
    assert auth.outbox.messages == []


async def test_forgot_password_with_a_malformed_email_is_422(auth: Auth) -> None:
    assert await forgot(auth, "not-an-email") == 422


async def test_reset_password_sets_the_new_password_and_revokes_sessions(auth: Auth) -> None:
    await auth.register("alice@example.com")
    sessions = [await auth.tokens("alice@example.com") for _ in range(2)]
    await forgot(auth, "alice@example.com")
    await auth.settle()
    token = auth.outbox.messages[0].token
    response = await auth.client.post(
        "/auth/reset-password", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert (await auth.login("alice@example.com", PASSWORD)).status_code == 400
    assert (await auth.login("alice@example.com", NEW_PASSWORD)).status_code == 200
    for session in sessions:
        refresh = await auth.client.post(
            "/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert refresh.status_code == 401
    # The link works once: the password it was bound to has changed.
    again = await auth.client.post(
        "/auth/reset-password", json={"token": token, "password": "yet another passphrase"}
    )
    assert again.status_code == 400
    assert again.json() == {"detail": "RESET_PASSWORD_BAD_TOKEN"}


async def test_reset_password_refuses_bad_tokens_and_weak_passwords(auth: Auth) -> None:
    await auth.register("alice@example.com")
    bad = await auth.client.post(
        "/auth/reset-password", json={"token": "garbage", "password": NEW_PASSWORD}
    )
    assert bad.status_code == 400 and bad.json() == {"detail": "RESET_PASSWORD_BAD_TOKEN"}
    await forgot(auth, "alice@example.com")
    await auth.settle()
    token = auth.outbox.messages[0].token
    weak = await auth.client.post("/auth/reset-password", json={"token": token, "password": "x"})
    assert weak.status_code == 400
    assert weak.json()["detail"]["code"] == "RESET_PASSWORD_INVALID_PASSWORD"
    missing = await auth.client.post("/auth/reset-password", json={"token": token})
    assert missing.status_code == 422
    assert (await auth.login("alice@example.com")).status_code == 200


async def test_a_reset_token_signed_with_another_secret_is_refused(auth: Auth) -> None:
    other = Outbox()
    await auth.register("alice@example.com")
    await forgot(auth, "alice@example.com")
    await auth.settle()
    token = auth.outbox.messages[0].token
    assert other.messages == []
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    response = await auth.client.post(
        "/auth/reset-password", json={"token": forged, "password": NEW_PASSWORD}
    )
    assert response.status_code == 400


async def test_verify_flow(auth: Auth) -> None:
    _, access = await auth.user("alice@example.com")
    response = await auth.client.post(
        "/auth/request-verify-token", json={"email": "alice@example.com"}
    )
    assert response.status_code == 202
    unknown = await auth.client.post(
        "/auth/request-verify-token", json={"email": "nobody@example.com"}
    )
    assert unknown.status_code == 202
    await auth.settle()
    [mail] = auth.outbox.messages
    assert "http://localhost:8080/verify?token=" in mail.body

    verified = await auth.client.post("/auth/verify", json={"token": mail.token})
    assert verified.status_code == 200 and verified.json()["is_verified"] is True
    me = await auth.client.get("/auth/users/me", headers=bearer(access))
    assert me.json()["is_verified"] is True

    again = await auth.client.post("/auth/verify", json={"token": mail.token})
    assert again.status_code == 400
    assert again.json() == {"detail": "VERIFY_USER_ALREADY_VERIFIED"}
    bad = await auth.client.post("/auth/verify", json={"token": "garbage"})
    assert bad.status_code == 400 and bad.json() == {"detail": "VERIFY_USER_BAD_TOKEN"}
    # Already verified: nothing more is sent.
    await auth.client.post("/auth/request-verify-token", json={"email": "alice@example.com"})
    await auth.settle()
    assert len(auth.outbox.messages) == 1
