"""The HTTP transport under each provider's client: classifies failures, fails fast when down.

agno does not raise on LLM errors, so the transport records the first failure of the current
run (``llm.current_outcome``) as a stable code. A provider that refuses connections again and
again is not even tried for a few seconds: its turns end at once instead of each waiting for
its own connect timeout and retries.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import httpx2 as httpx

from parley_chat import llm
from parley_chat.providers.errors import code_for_exception, code_for_response

# An error answer is a few hundred bytes; read at most this much of one to classify it.
MAX_ERROR_BODY_BYTES = 64 * 1024


class ConnectGuard:
    """Fails fast for ``cooldown`` seconds after ``threshold`` connection failures in a row."""

    def __init__(
        self,
        threshold: int = 3,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self.failures = 0
        self._closed_until = 0.0

    @property
    def open(self) -> bool:
        """Whether connections may be tried now (after the cooldown one may try again)."""
        return self._clock() >= self._closed_until

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self._closed_until = self._clock() + self.cooldown

    def succeeded(self) -> None:
        self.failures = 0
        self._closed_until = 0.0


class _ObservedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, outcome: llm.LlmOutcome) -> None:
        self._inner = inner
        self._outcome = outcome

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except httpx.HTTPError as exc:
            self._outcome.mark(code_for_exception(exc))
            raise

    async def aclose(self) -> None:
        await self._inner.aclose()


class ObservingTransport(httpx.AsyncBaseTransport):
    """Wraps one provider's transport: failure codes for the current run, and fail-fast."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, guard: ConnectGuard, provider_id: str
    ) -> None:
        self._inner = inner
        self.guard = guard
        self.provider_id = provider_id

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outcome = llm.current_outcome.get()
        if not self.guard.open:
            if outcome is not None:
                outcome.mark(llm.LLM_UNAVAILABLE)
            raise httpx.ConnectError(
                f"provider {self.provider_id!r} refused its last connections", request=request
            )
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                self.guard.failed()
            if outcome is not None:
                outcome.mark(code_for_exception(exc))
            raise
        self.guard.succeeded()
        if response.status_code >= 400:
            body = await _read_error_body(response)
            if outcome is not None:
                outcome.mark(code_for_response(response.status_code, body))
            return response
        stream = response.stream
        if outcome is not None and isinstance(stream, httpx.AsyncByteStream):
            response.stream = _ObservedStream(stream, outcome)
            outcome.streams.append(response.stream)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


async def _read_error_body(response: httpx.Response) -> bytes:
    """The (decoded) error body, put back so the SDK reads the same bytes after us."""
    stream = response.stream
    if not isinstance(stream, httpx.AsyncByteStream):
        return b""
    raw = bytearray()
    try:
        async for chunk in stream:
            raw += chunk
            if len(raw) > MAX_ERROR_BODY_BYTES:
                break
    except httpx.HTTPError:
        pass
    finally:
        await stream.aclose()
    response.stream = httpx.ByteStream(bytes(raw))
    # Decoded through a copy (gzip and friends), as the client would decode it.
    decoded = httpx.Response(response.status_code, headers=response.headers, content=bytes(raw))
    try:
        return decoded.read()
    except httpx.DecodingError:
        return bytes(raw)
