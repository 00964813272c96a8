"""The stub's ASGI app (``create_app``) and its console script (``parley-llm-stub``).

The completions endpoint is plain ASGI writing pre-encoded bytes, so that the stub costs a few
microseconds per chunk and never becomes the bottleneck of a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from parley_llm_stub.config import FAIL_MODES, StubConfig
from parley_llm_stub.replies import ReplyPlan, plan_reply

# Looks like a leaked provider key on purpose: the chat service must never pass provider text on.
FAKE_SECRET = "sk-stub-SECRET-do-not-leak-0123456789"  # noqa: S105
MALFORMED_LINE = b'data: {"id": "chatcmpl-stub", "choices": [{"delta": oops, not json\n\n'
SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]
JSON_HEADERS = [(b"content-type", b"application/json")]
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


class JSONResponse(Response):
    """JSON via orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class StubState:
    """Run-time settings and the ring buffer of received request bodies."""

    def __init__(self, config: StubConfig) -> None:
        self.defaults = config
        self.config = config
        self.recorded: deque[dict[str, Any]] = deque(maxlen=config.max_recorded_requests)
        self.requests_total = 0
        self.in_flight = 0  # completions being answered right now (streams, hangs included)


def openai_error(message: str, type_: str, code: str | None = None) -> bytes:
    """An error body shaped like OpenAI's, which its client turns into ``APIStatusError``."""
    return orjson.dumps({"error": {"message": message, "type": type_, "param": None, "code": code}})


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


Headers = list[tuple[bytes, bytes]]


async def send_bytes(send: Send, status: int, body: bytes, headers: Headers) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_part(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


class ChatCompletions:
    """``POST /v1/chat/completions``, streaming or not, with the fault modes."""

    def __init__(self, state: StubState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        state.requests_total += 1
        state.in_flight += 1
        try:
            await self._answer(receive, send)
        finally:
            state.in_flight -= 1

    async def _answer(self, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            error = openai_error("Request body is not valid JSON.", "invalid_request_error")
            await send_bytes(send, 400, error, JSON_HEADERS)
            return
        messages = request.get("messages") if isinstance(request, dict) else None
        if not isinstance(messages, list) or not messages:
            error = openai_error("'messages' must be a non-empty array.", "invalid_request_error")
            await send_bytes(send, 400, error, JSON_HEADERS)
            return
        self.state.recorded.append(request)
        config = self.state.config
        plan = plan_reply(request, config)
        model = request.get("model")
        model = model if isinstance(model, str) and model else config.model

        if plan.error_status is not None:
            status = plan.error_status
            message = f"Stub provider failure on purpose (upstream key {FAKE_SECRET} rejected)."
            error = openai_error(message, ERROR_TYPES.get(status, "server_error"), f"stub_{status}")
            await send_bytes(send, status, error, JSON_HEADERS)
            return
        if plan.fail_mode == "hang":
            await self._hang(receive, send, config.hang_seconds)
            return

        stream_options = request.get("stream_options")
        include_usage = isinstance(stream_options, dict) and stream_options.get("include_usage")
        completion_id = "chatcmpl-stub" + uuid.uuid4().hex[:20]
        created = int(time.time())
        if request.get("stream") is True:
            encoder = ChunkEncoder(completion_id, created, model, include_usage is True)
            await self._stream(plan, encoder, receive, send, config)
        else:
            await self._complete(plan, completion_id, created, model, receive, send, config)

    @staticmethod
    def _usage(plan: ReplyPlan) -> dict[str, int]:
        completion = len(plan.words)
        return {
            "prompt_tokens": plan.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": plan.prompt_tokens + completion,
        }

    async def _hang(self, receive: Receive, send: Send, seconds: float) -> None:
        watcher = DisconnectWatcher(receive)
        try:
            if not await watcher.wait_gone(seconds):
                error = openai_error("Stub hang ended.", "server_error", "stub_hang")
                await send_bytes(send, 504, error, JSON_HEADERS)
        finally:
            watcher.close()

    async def _stream(
        self,
        plan: ReplyPlan,
        encoder: ChunkEncoder,
        receive: Receive,
        send: Send,
        config: StubConfig,
    ) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        waits = plan.delay_s > 0 or plan.first_token_delay_s > 0 or plan.fail_mode == "stall"
        watcher = DisconnectWatcher(receive) if waits else None
        try:
            if watcher and await watcher.sleep(plan.first_token_delay_s):
                return
            misbehave = plan.fail_mode in {"cut", "stall", "malformed"}
            stop_at = config.cut_after_words if misbehave else len(plan.words)
            # Without delays everything goes out in one write; each word is still its own event.
            pending = [encoder.role()]
            for index, word in enumerate(plan.words[:stop_at]):
                if index and watcher and plan.delay_s:
                    await send_part(send, b"".join(pending))
                    pending.clear()
                    if await watcher.sleep(plan.delay_s):
                        return
                pending.append(encoder.content(word))
            if plan.fail_mode in {"cut", "stall"}:
                await send_part(send, b"".join(pending))
                if plan.fail_mode == "stall" and watcher:
                    await watcher.wait_gone(config.hang_seconds)
                # Returning with the response unfinished makes uvicorn drop the connection.
                return
            if plan.fail_mode == "malformed":
                pending.append(MALFORMED_LINE)
            pending.append(encoder.finish(plan.finish_reason))
            if encoder.include_usage:
                pending.append(encoder.usage(self._usage(plan)))
            pending.append(b"data: [DONE]\n\n")
            await send({"type": "http.response.body", "body": b"".join(pending)})
        finally:
            if watcher:
                watcher.close()

    async def _complete(
        self,
        plan: ReplyPlan,
        completion_id: str,
        created: int,
        model: str,
        receive: Receive,
        send: Send,
        config: StubConfig,
    ) -> None:
        pause = plan.first_token_delay_s + plan.delay_s * (len(plan.words) - 1)
        watcher = DisconnectWatcher(receive) if pause > 0 or plan.fail_mode == "stall" else None
        try:
            if watcher and await watcher.sleep(pause):
                return
            if plan.fail_mode == "malformed":
                await send_bytes(send, 200, MALFORMED_LINE[6:], JSON_HEADERS)
                return
            body = orjson.dumps(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "system_fingerprint": "fp_parley_stub",
                    "choices": [
                        {
                            "index": 0,
                            "message": {
                                "role": "assistant",
                                "content": plan.text,
                                "refusal": None,
                                "annotations": [],
                            },
                            "logprobs": None,
                            "finish_reason": plan.finish_reason,
                        }
                    ],
                    "usage": self._usage(plan),
                }
            )
            if plan.fail_mode in {"cut", "stall"}:
                # Promise the whole body, deliver half: the client sees the connection drop.
                headers = [*JSON_HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                half = body[: len(body) // 2]
                await send_part(send, half)
                if plan.fail_mode == "stall" and watcher:
                    await watcher.wait_gone(config.hang_seconds)
                return
            await send_bytes(send, 200, body, JSON_HEADERS)
        finally:
            if watcher:
                watcher.close()


def _state(request: Request) -> StubState:
    state: StubState = request.app.state.stub
    return state


async def list_models(request: Request) -> Response:
    model = _state(request).config.model
    data = [{"id": model, "object": "model", "created": 0, "owned_by": "parley-stub"}]
    return JSONResponse({"object": "list", "data": data})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def get_config(request: Request) -> Response:
    return JSONResponse(_state(request).config.as_dict())


async def update_config(request: Request) -> Response:
    state = _state(request)
    try:
        changes = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return JSONResponse({"detail": "body must be a JSON object"}, status_code=400)
    if not isinstance(changes, dict):
        return JSONResponse({"detail": "body must be a JSON object"}, status_code=400)
    try:
        state.config = state.config.updated(changes)
    except ValueError as exc:  # includes StubConfig's own validation
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return JSONResponse(state.config.as_dict())


async def reset_config(request: Request) -> Response:
    state = _state(request)
    state.config = state.defaults
    return JSONResponse(state.config.as_dict())


async def get_requests(request: Request) -> Response:
    return JSONResponse(list(_state(request).recorded))


async def get_stats(request: Request) -> Response:
    state = _state(request)
    return JSONResponse({"requests_total": state.requests_total, "in_flight": state.in_flight})


async def clear_requests(request: Request) -> Response:
    _state(request).recorded.clear()
    return Response(status_code=204)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def create_app(config: StubConfig | None = None) -> Starlette:
    """The stub server; each app has its own settings and request log."""
    state = StubState(config or StubConfig())
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", ChatCompletions(state), methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/stub/config", get_config, methods=["GET"]),
            Route("/stub/config", update_config, methods=["POST"]),
            Route("/stub/config", reset_config, methods=["DELETE"]),
            Route("/stub/requests", get_requests, methods=["GET"]),
            Route("/stub/requests", clear_requests, methods=["DELETE"]),
            Route("/stub/stats", get_stats, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.stub = state
    return app


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, StubConfig]:
    """CLI flags over ``STUB_*`` environment variables over built-in defaults."""
    parser = argparse.ArgumentParser(
        prog="parley-llm-stub",
        description="Offline stub of an OpenAI-compatible LLM server (canned replies, no model).",
    )
    try:
        env = StubConfig.from_env()
    except ValueError as exc:
        parser.error(str(exc))
    parser.add_argument("--host", default=os.environ.get("STUB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STUB_PORT", "8090")))
    parser.add_argument("--reply-words", type=int, default=env.reply_words)
    parser.add_argument("--delay-ms", type=float, default=env.delay_ms, help="between words")
    parser.add_argument("--first-token-delay-ms", type=float, default=env.first_token_delay_ms)
    parser.add_argument("--model", default=env.model)
    parser.add_argument("--fail-mode", choices=FAIL_MODES, default=env.fail_mode)
    parser.add_argument("--log-level", default=os.environ.get("STUB_LOG_LEVEL", "info"))
    parser.add_argument("--access-log", action="store_true", help="log every request (slower)")
    args = parser.parse_args(argv)
    try:
        config = replace(
            env,
            reply_words=args.reply_words,
            delay_ms=args.delay_ms,
            first_token_delay_ms=args.first_token_delay_ms,
            model=args.model,
            fail_mode=args.fail_mode,
        )
    except ValueError as exc:
        parser.error(str(exc))
    return args, config


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``parley-llm-stub``."""
    args, config = parse_args(argv)
    print(
        f"parley-llm-stub: STUB model server (canned replies) at http://{args.host}:{args.port}/v1",
        file=sys.stderr,
    )
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        timeout_graceful_shutdown=2,
    )


if __name__ == "__main__":
    main()
