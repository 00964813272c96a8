"""Auth suite fixtures: a migrated template database copied per test, apps driven in-process."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import parley_testing as pt
import psycopg
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from parley_auth.app import create_app
from parley_auth.config import Settings
from parley_auth.migrate import upgrade
from parley_testing import DatabaseFactory, database_name

PASSWORD = "correct horse battery staple"
# What a non-browser client sends to get the refresh token in the JSON body as well.
BODY_DELIVERY = {"X-Refresh-Token-Delivery": "body"}


@dataclass
class Mail:
    to: str
    subject: str
    body: str

    @property
    def token(self) -> str:
        return self.body.split("token=", 1)[1].split()[0]


@dataclass
class Outbox:
    """Stands in for the SMTP server: keeps what the service sends."""

    messages: list[Mail] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def send(self, to: str, subject: str, body: str) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.messages.append(Mail(to, subject, body))


@dataclass
class Auth:
    """A running auth app with its client, database and outbox."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    outbox: Outbox
    database_url: str

    async def register(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post(
            "/auth/register", json={"email": email, "password": password}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def login(self, email: str, password: str = PASSWORD, **kwargs: Any) -> httpx.Response:
        return await self.client.post(
            "/auth/login", data={"username": email, "password": password}, **kwargs
        )

    async def tokens(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """Log in as a non-browser client: the body carries the refresh token too."""
        response = await self.login(email, password, headers=BODY_DELIVERY)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def user(self, email: str, password: str = PASSWORD) -> tuple[dict[str, Any], str]:
        """Register ``email`` and return (user, bearer access token)."""
        user = await self.register(email, password)
        return user, (await self.tokens(email, password))["access_token"]

    async def admin(self, email: str, password: str = PASSWORD) -> tuple[dict[str, Any], str]:
        """Register ``email``, make it an admin (as `parley-auth users promote` does) and
        return (user, bearer access token)."""
        user = await self.register(email, password)
        self.sql("UPDATE users SET is_superuser = true WHERE id = %s", user["id"])
        return user, (await self.tokens(email, password))["access_token"]

    def audit_events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The audit log's rows (oldest first), each as a dict, optionally of one kind."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(
                "SELECT * FROM audit_events WHERE %(kind)s::text IS NULL OR kind = %(kind)s"
                " ORDER BY id",
                {"kind": kind},
            )
            names = [column.name for column in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def other_client(self, host: str = "198.51.100.9") -> httpx.AsyncClient:
        """Another client of the same app: its own address (via the trusted proxy's
        X-Forwarded-For), its own cookie jar and User-Agent."""
        transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 50_001))
        headers = {"X-Forwarded-For": host, "User-Agent": f"other-client/{host}"}
        return httpx.AsyncClient(
            transport=transport, base_url=self.client.base_url, headers=headers
        )

    async def settle(self) -> None:
        """Wait for work done after responses (mail)."""
        await self.app.state.runtime.background.drain()

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(statement, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
async def auth_template(database_factory: DatabaseFactory) -> str:
    """One database migrated to head; each test gets a copy of it."""
    url = database_factory.create()
    await upgrade(url)
    return str(database_name(url))


@pytest.fixture
def database_url(database_factory: DatabaseFactory, auth_template: str) -> str:
    return str(database_factory.create(template=auth_template))


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory, signing_key: pt.TestKey) -> Path:
    path = tmp_path_factory.mktemp("keys") / "signing-key.pem"
    path.write_bytes(signing_key.private_pem())
    return path


@pytest.fixture
def make_settings(database_url: str, key_file: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "ENV": "development",
            "DATABASE_URL": database_url,
            "SIGNING_KEY_FILES": [key_file],
            "PASSWORD_HASH_PROFILE": "fast",
            "DB_POOL_SIZE": 5,
            "DB_MAX_OVERFLOW": 20,
            "CORS_ORIGINS": [],
            "SMTP_HOST": "",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def production() -> dict[str, Any]:
    """Settings overrides that production mode accepts (with the session's key file)."""
    return {
        "ENV": "production",
        "RESET_PASSWORD_TOKEN_SECRET": "r" * 40,
        "VERIFICATION_TOKEN_SECRET": "v" * 40,
        "SESSION_SECRET": "s" * 40,
        "SERVICE_TOKEN": "t" * 40,
        "PASSWORD_HASH_PROFILE": "standard",
    }


AuthFactory = Callable[..., AbstractAsyncContextManager[Auth]]


@pytest.fixture
def make_auth(make_settings: Callable[..., Settings]) -> AuthFactory:
    """``async with make_auth(**settings) as auth:`` runs an app with its lifespan."""

    @asynccontextmanager
    async def run(
        base_url: str = "http://testserver",
        real_mailer: bool = False,
        client_host: str = "127.0.0.1",
        **overrides: Any,
    ) -> AsyncIterator[Auth]:
        settings = make_settings(**overrides)
        outbox = Outbox()
        app = create_app(settings, mailer=None if real_mailer else outbox)
        async with LifespanManager(app) as manager:
            # client_host: the peer's address as the service sees it (the gateway, or not).
            transport = httpx.ASGITransport(app=manager.app, client=(client_host, 50_000))
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
                yield Auth(app, client, settings, outbox, settings.DATABASE_URL)

    return run


@pytest.fixture
async def auth(make_auth: AuthFactory) -> AsyncIterator[Auth]:
    async with make_auth() as running:
        yield running


@dataclass
class SmtpServer:
    """A real SMTP server (aiosmtpd, in its own thread) keeping the messages it accepts."""

    port: int
    messages: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        for recipient in envelope.rcpt_tos:
            self.messages.append(Mail(recipient, str(message["Subject"]), text))
        return "250 OK"

    async def wait_for(self, count: int) -> list[Mail]:
        """The first ``count`` messages, once the server has them (10 s at most)."""
        async with asyncio.timeout(10):
            # The server appends from its own thread: polling is simpler than a thread-safe event.
            while len(self.messages) < count:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        return self.messages[:count]

    def settings(self) -> dict[str, Any]:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_STARTTLS": False}


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SmtpServer(port)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def fullwidth(text: str) -> str:
    """``text`` in fullwidth compatibility letters (U+FF01..U+FF5E): NFKC folds them back."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# -- single sign-on: a real OpenID Provider (node-oidc-provider) for the session

SSO_CLIENT_SECRET = "parley-client-secret-for-tests-only"
OTHER_CLIENT = pt.OidcClient(
    "another-app", "another-app-secret-for-tests", ["http://testserver/other/callback"]
)


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[pt.OidcProvider]:
    """One provider for the session; tests add their own accounts (``set_account``) under
    logins of their own, so they never see each other's."""
    with pt.running_oidc_provider(
        {},
        client_id="parley",
        client_secret=SSO_CLIENT_SECRET,
        redirect_uris=[
            "http://testserver/auth/sso/corp/callback",
            "http://testserver/auth/sso/other/callback",
        ],
        other_clients=[OTHER_CLIENT],
    ) as provider:
        yield provider
