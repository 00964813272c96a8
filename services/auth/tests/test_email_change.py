"""An email change waits for the link mailed (over real SMTP) to the new address."""

from __future__ import annotations

from .conftest import PASSWORD, AuthFactory, SmtpServer, bearer


async def test_email_change_takes_effect_only_through_the_mailed_link(
    make_auth: AuthFactory, smtp_server: SmtpServer
) -> None:
    async with make_auth(real_mailer=True, **smtp_server.settings()) as auth:
        _, token = await auth.user("alice@example.com")
        asked = await auth.client.patch(
            "/auth/users/me",
            headers=bearer(token),
            json={"email": "alice@new.example", "current_password": PASSWORD},
        )
        assert asked.status_code == 200
        assert asked.json()["email"] == "alice@example.com"
        assert asked.json()["pending_email"] == "alice@new.example"
        # Until the link is used, the old address is still the login.
        assert (await auth.login("alice@new.example")).status_code == 400
        assert (await auth.login("alice@example.com")).status_code == 200

        [mail] = await smtp_server.wait_for(1)
        assert mail.to == "alice@new.example"
        assert "/verify?token=" in mail.body
        verified = await auth.client.post("/auth/verify", json={"token": mail.token})
        assert verified.status_code == 200, verified.text
        body = verified.json()
        assert body["email"] == "alice@new.example" and body["pending_email"] is None
        assert body["is_verified"] is True
        assert (await auth.login("alice@new.example")).status_code == 200
        assert (await auth.login("alice@example.com")).status_code == 400

        used = await auth.client.post("/auth/verify", json={"token": mail.token})
        assert used.status_code == 400
        assert used.json() == {"detail": "VERIFY_USER_ALREADY_VERIFIED"}


async def test_a_newer_email_change_voids_the_older_link(
    make_auth: AuthFactory, smtp_server: SmtpServer
) -> None:
    async with make_auth(real_mailer=True, **smtp_server.settings()) as auth:
        _, token = await auth.user("bob@example.com")
        for address in ("bob@one.example", "bob@two.example"):
            response = await auth.client.patch(
                "/auth/users/me",
                headers=bearer(token),
                json={"email": address, "current_password": PASSWORD},
            )
            assert response.status_code == 200
        first, second = sorted(await smtp_server.wait_for(2), key=lambda m: m.to)
        stale = await auth.client.post("/auth/verify", json={"token": first.token})
        assert stale.status_code == 400 and stale.json() == {"detail": "VERIFY_USER_BAD_TOKEN"}
        assert (
            await auth.client.post("/auth/verify", json={"token": second.token})
        ).status_code == 200


async def test_an_address_taken_before_the_link_is_used_is_refused(
    make_auth: AuthFactory, smtp_server: SmtpServer
) -> None:
    async with make_auth(real_mailer=True, **smtp_server.settings()) as auth:
        _, token = await auth.user("carol@example.com")
        await auth.client.patch(
            "/auth/users/me",
            headers=bearer(token),
            json={"email": "shared@example.com", "current_password": PASSWORD},
        )
        [mail] = await smtp_server.wait_for(1)
        await auth.register("Shared@Example.com")
        taken = await auth.client.post("/auth/verify", json={"token": mail.token})
        assert taken.status_code == 400 and taken.json() == {"detail": "VERIFY_USER_BAD_TOKEN"}
        assert auth.sql(
            "SELECT count(*) FROM users WHERE email_canonical = 'shared@example.com'"
        ) == [(1,)]
