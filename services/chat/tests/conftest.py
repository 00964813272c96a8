"""Chat service tests: real PostgreSQL, the LLM stub over HTTP, the app on a real socket."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from parley_chat.app import create_app
from parley_chat.catalog import CatalogView
from parley_chat.config import Settings
from parley_chat.storage import FinalSaves, create_chat_db, create_engine, migrate
from parley_testing import DatabaseFactory, LlmStub, database_name, running_llm_stub, serve_asgi
from parley_testing import TestKey as Key


@dataclass
class Event:
    id: str | None
    event: str
    data: dict[str, Any]


def parse_sse(text: str) -> list[Event]:
    """Parse a complete ``text/event-stream`` body (comments skipped)."""
    events: list[Event] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        event_id, name, data = None, "message", []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "id":
                event_id = value
            elif key == "event":
                name = value
            elif key == "data":
                data.append(value)
        if data:
            events.append(Event(event_id, name, json.loads("\n".join(data))))
    return events


async def read_events(response: httpx.Response) -> AsyncIterator[Event]:
    """Events of a streamed response as they arrive."""
    buffer = ""
    async for chunk in response.aiter_text():
        buffer += chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            for event in parse_sse(block + "\n\n"):
                yield event


@dataclass
class User:
    """A caller with a valid token."""

    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Chat:
    """A running chat app (on a real socket) plus helpers to talk to it."""

    url: str
    http: httpx.AsyncClient
    signing_key: Key
    users: dict[str, User] = field(default_factory=dict)

    def user(self, name: str = "alice") -> User:
        if name not in self.users:
            sub = str(uuid.uuid4())
            self.users[name] = User(sub, self.signing_key.token(sub))
        return self.users[name]

    async def create_chat(
        self, user: User, title: str | None = None, model: str | None = None
    ) -> dict[str, Any]:
        body = {"title": title} if title else {}
        if model is not None:
            body["model"] = model
        response = await self.http.post("/api/chats", json=body, headers=user.headers)
        assert response.status_code == 201, response.text
        chat: dict[str, Any] = response.json()
        return chat

    async def send(
        self, user: User, chat_id: str, content: str, model: str | None = None
    ) -> list[Event]:
        """Post a message (for ``model``, else the chat's) and read the whole SSE reply."""
        body = {"content": content} if model is None else {"content": content, "model": model}
        response = await self.http.post(
            f"/api/chats/{chat_id}/messages", json=body, headers=user.headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_sse(response.text)

    @contextlib.asynccontextmanager
    async def stream(
        self, user: User, chat_id: str, content: str
    ) -> AsyncIterator[AsyncIterator[Event]]:
        """Post a message and read its events as they arrive."""
        async with self.http.stream(
            "POST",
            f"/api/chats/{chat_id}/messages",
            json={"content": content},
            headers=user.headers,
        ) as response:
            assert response.status_code == 200
            yield read_events(response)

    async def get_chat(self, user: User, chat_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/api/chats/{chat_id}", headers=user.headers)
        assert response.status_code == 200, response.text
        chat: dict[str, Any] = response.json()
        return chat


@pytest.fixture(scope="session")
def llm_stub_two() -> Iterator[LlmStub]:
    """A second LLM stub on its own port: a second provider."""
    with running_llm_stub() as second:
        yield second


@pytest.fixture
def stub_two(llm_stub_two: LlmStub) -> Iterator[LlmStub]:
    """The second stub, reset around a test."""
    llm_stub_two.reset()
    yield llm_stub_two
    llm_stub_two.reset()


@pytest.fixture(scope="session")
def keys_file(signing_key: Key, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = signing_key.write_jwks(tmp_path_factory.mktemp("keys") / "jwks.json")
    return path


@pytest.fixture(scope="session")
async def template_db(database_factory: DatabaseFactory) -> str:
    """A database migrated once; each test gets a copy (much faster than migrating)."""
    url = database_factory.create()
    settings = Settings(DATABASE_URL=url)
    engine = create_engine(settings)
    try:
        await migrate(create_chat_db(settings, engine, FinalSaves()))
    finally:
        await engine.dispose()
    name: str = database_name(url)
    return name


@pytest.fixture
def db_url(database_factory: DatabaseFactory, template_db: str) -> str:
    url: str = database_factory.create(template=template_db)
    return url


@pytest.fixture
def make_settings(db_url: str, keys_file: Path, stub: LlmStub) -> Any:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "DATABASE_URL": db_url,
            "AUTH_PUBLIC_KEYS_FILE": str(keys_file),
            "LLM_BASE_URL": stub.base_url,
            "LLM_MODEL": "stub-model",
            "LLM_API_KEY": "sk-test",
            "LLM_MAX_RETRIES": 0,
            "LLM_TIMEOUT_SECONDS": 5.0,
            "SHUTDOWN_GRACE_SECONDS": 2.0,
            "LOG_JSON": True,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@contextlib.asynccontextmanager
async def running_chat(
    settings: Settings, signing_key: Key, catalog: CatalogView | None = None
) -> AsyncIterator[Chat]:
    with serve_asgi(create_app(settings, catalog)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
            yield Chat(url=url, http=http, signing_key=signing_key)


@pytest.fixture
async def chat(make_settings: Any, signing_key: Key) -> AsyncIterator[Chat]:
    """The chat app with test settings, served on a real socket."""
    async with running_chat(make_settings(), signing_key) as running:
        yield running


def leave_dead_run(db_url: str, chat_id: str, user_id: str, lease_seconds: int) -> str:
    """What a replica killed mid-reply leaves behind: its lease (expiring in ``lease_seconds``,
    negative: already expired) and the turn stored as RUNNING. Returns the run's id."""
    run_id = str(uuid.uuid4())
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO ai.parley_run_leases (session_id, run_id, user_id, owner, expires_at)"
            " VALUES (%s, %s, %s, 'dead-replica', now() + make_interval(secs => %s))",
            (chat_id, run_id, user_id, lease_seconds),
        )
        conn.execute(
            "INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, user_id, "
            "status, run_index, run_data, created_at) VALUES (%s, %s, 'agent', 'parley', %s, "
            "'RUNNING', 0, %s, extract(epoch from now())::bigint)",
            (
                run_id,
                chat_id,
                user_id,
                json.dumps({"run_id": run_id, "input": {"input_content": "lost reply?"}}),
            ),
        )
    return run_id
