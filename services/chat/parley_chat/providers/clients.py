"""One OpenAI client, with its own connection pool, per provider of the catalog.

Separate pools mean a provider that hangs or refuses connections only holds its own
connections: turns on the other providers never wait behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
import structlog
from openai import AsyncOpenAI

from parley_chat.catalog import CatalogSnapshot, ProviderEntry
from parley_chat.providers.transport import ConnectGuard, ObservingTransport

log = structlog.get_logger("parley_chat.providers")

# A client replaced by a changed provider still serves its replies in flight: it is closed
# once the longest of them (every attempt timing out) must be over.
RETIRE_MARGIN_SECONDS = 5.0


@dataclass(frozen=True)
class ClientSettings:
    """What a provider's client is built from; a change means a new client."""

    kind: str
    base_url: str
    api_key: str | None = field(repr=False)
    timeout_seconds: float
    connect_timeout_seconds: float
    max_retries: int

    @classmethod
    def of(cls, provider: ProviderEntry) -> ClientSettings:
        return cls(
            kind=provider.kind,
            base_url=provider.base_url,
            api_key=provider.api_key,
            timeout_seconds=provider.timeout_seconds,
            connect_timeout_seconds=provider.connect_timeout_seconds,
            max_retries=provider.max_retries,
        )

    @property
    def longest_reply_seconds(self) -> float:
        """How long a reply started on this client may still be running."""
        return self.timeout_seconds * (self.max_retries + 1)


@dataclass
class _Held:
    provider: ProviderEntry  # the entry last seen (the same object while the catalog holds)
    settings: ClientSettings
    client: AsyncOpenAI


class ProviderClients:
    """The clients of the catalog's providers, built on first use, rebuilt on change."""

    def __init__(self, retire_margin: float = RETIRE_MARGIN_SECONDS) -> None:
        self.retire_margin = retire_margin
        self._held: dict[str, _Held] = {}
        self._retiring: set[asyncio.Task[None]] = set()
        self._seen: CatalogSnapshot | None = None

    def client_for(self, provider: ProviderEntry) -> AsyncOpenAI:
        """The provider's client; a changed base URL, key, timeout or retry count gets a new
        one (the old one is closed once its replies in flight are over)."""
        held = self._held.get(provider.id)
        if held is not None and held.provider is provider:
            return held.client  # the usual turn: the same snapshot's entry
        settings = ClientSettings.of(provider)
        if held is not None and held.settings == settings:
            held.provider = provider
            return held.client
        client = make_client(provider.id, settings)
        self._held[provider.id] = _Held(provider, settings, client)
        if held is not None:
            log.info("provider_client_replaced", provider=provider.id)
            self._retire(held)
        return client

    def retain(self, snapshot: CatalogSnapshot) -> None:
        """Close the clients of providers gone from ``snapshot`` (cheap when it is unchanged)."""
        if snapshot is self._seen:
            return
        self._seen = snapshot
        for provider_id in [p for p in self._held if p not in snapshot.providers]:
            self._retire(self._held.pop(provider_id))

    def _retire(self, held: _Held) -> None:
        task = asyncio.create_task(self._close_later(held, self.retire_margin))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    @staticmethod
    async def _close_later(held: _Held, margin: float) -> None:
        try:
            await asyncio.sleep(held.settings.longest_reply_seconds + margin)
        finally:
            await held.client.close()

    async def close(self) -> None:
        for task in list(self._retiring):
            task.cancel()
        for task in list(self._retiring):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for held in self._held.values():
            await held.client.close()
        self._held.clear()


def make_client(provider_id: str, settings: ClientSettings) -> AsyncOpenAI:
    """A client with its own pool, timeouts and retries, and the observing transport."""
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    transport = ObservingTransport(
        httpx.AsyncHTTPTransport(limits=limits), ConnectGuard(), provider_id
    )
    timeout = httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds)
    http_client = httpx.AsyncClient(transport=transport, timeout=timeout)
    key = settings.api_key or "not-needed"
    # Azure OpenAI's v1 endpoint reads its key from an api-key header.
    headers = {"api-key": key} if settings.kind == "azure" else None
    client = AsyncOpenAI(
        api_key=key,
        base_url=settings.base_url,
        timeout=timeout,
        max_retries=settings.max_retries,
        http_client=http_client,
        default_headers=headers,
    )
    _send_plain_messages_as_is(client)
    return client


def _plain(messages: Sequence[Any]) -> bool:
    """Messages made only of strings (text chat): the SDK's transform leaves them unchanged."""
    return all(
        isinstance(m, dict) and all(v is None or isinstance(v, str) for v in m.values())
        for m in messages
    )


def _send_plain_messages_as_is(client: AsyncOpenAI) -> None:
    """Skip the SDK's request-body transform for plain text messages.

    ``chat.completions.create`` walks every message against the SDK's TypedDicts (~2.4 ms for
    a 10-turn history on our machine, a fifth of a turn's CPU) only to return them unchanged
    when they are plain text. Such messages go in ``extra_body``, which the SDK merges into
    the JSON body as is; anything else (images, files, tool calls) takes the normal path.
    """
    completions = client.chat.completions
    create = completions.create

    async def create_plain(*args: Any, **kwargs: Any) -> Any:
        messages = kwargs.get("messages")
        if isinstance(messages, list) and _plain(messages):
            kwargs["extra_body"] = {**(kwargs.get("extra_body") or {}), "messages": messages}
            kwargs["messages"] = []
        return await create(*args, **kwargs)

    completions.create = create_plain  # type: ignore[method-assign]
