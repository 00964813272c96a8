"""Bytes in and out of plain ASGI: the request body, pre-encoded responses, streamed chunks, and
noticing the client going away. Kept free of Starlette so a chunk costs a few microseconds.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.types import Receive, Send

Headers = list[tuple[bytes, bytes]]

SSE_HEADERS: Headers = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]
JSON_HEADERS: Headers = [(b"content-type", b"application/json")]


class ChunkEncoder:
    """Pre-encodes everything of a ``chat.completion.chunk`` except the word, once per request."""

    def __init__(self, completion_id: str, created: int, model: str, include_usage: bool) -> None:
        head = b"".join(
            [
                b'data: {"id":',
                orjson.dumps(completion_id),
                b',"object":"chat.completion.chunk","created":',
                str(created).encode(),
                b',"model":',
                orjson.dumps(model),
                b',"system_fingerprint":"fp_parley_stub","choices":[',
            ]
        )
        self.head = head
        self.include_usage = include_usage
        # With include_usage OpenAI sends "usage": null on every chunk, then one usage-only chunk.
        self.tail = b',"usage":null}\n\n' if include_usage else b"}\n\n"
        self.content_head = head + b'{"index":0,"delta":{"content":'
        self.content_tail = b'},"logprobs":null,"finish_reason":null}]' + self.tail

    def role(self) -> bytes:
        return (
            self.head
            + b'{"index":0,"delta":{"role":"assistant","content":"","refusal":null},'
            + b'"logprobs":null,"finish_reason":null}]'
            + self.tail
        )

    def content(self, word: str) -> bytes:
        return self.content_head + orjson.dumps(word) + self.content_tail

    def finish(self, reason: str) -> bytes:
        return (
            self.head
            + b'{"index":0,"delta":{},"logprobs":null,"finish_reason":'
            + orjson.dumps(reason)
            + b"}]"
            + self.tail
        )

    def usage(self, usage: dict[str, int]) -> bytes:
        return self.head + b'],"usage":' + orjson.dumps(usage) + b"}\n\n"


class DisconnectWatcher:
    """Notices the client going away while the stub waits (delays, ``hang``, ``stall``)."""

    def __init__(self, receive: Receive) -> None:
        self.gone = asyncio.Event()
        self._task = asyncio.create_task(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.gone.set()

    async def sleep(self, seconds: float) -> bool:
        """Sleep; True when the client has disconnected meanwhile."""
        if seconds > 0:
            await asyncio.sleep(seconds)
        return self.gone.is_set()

    async def wait_gone(self, limit_s: float) -> bool:
        """Wait for the client to give up (at most ``limit_s``); True when it did."""
        try:
            await asyncio.wait_for(self.gone.wait(), limit_s)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self._task.cancel()


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_bytes(send: Send, status: int, body: bytes, headers: Headers) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_part(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})
