"""``POST /v1/chat/completions``: parse the request, plan the reply (``replies``), then answer with
an OpenAI error, a hang, a stream of chunks or one JSON body, misbehaving as the plan says.

Plain ASGI writing pre-encoded bytes (``wire``), so that the stub costs a few microseconds per
chunk and never becomes the bottleneck of a benchmark.
"""

from __future__ import annotations

import time
import uuid

import orjson
from starlette.types import Receive, Scope, Send

from parley_llm_stub.config import StubConfig
from parley_llm_stub.replies import ReplyPlan, plan_reply, prompt_length, requested_completion
from parley_llm_stub.state import StubState
from parley_llm_stub.wire import (
    JSON_HEADERS,
    SSE_HEADERS,
    ChunkEncoder,
    DisconnectWatcher,
    read_body,
    send_bytes,
    send_part,
)

# Looks like a leaked provider key on purpose: the chat service must never pass provider text on.
FAKE_SECRET = "sk-stub-SECRET-do-not-leak-0123456789"  # noqa: S105
MALFORMED_LINE = b'data: {"id": "chatcmpl-stub", "choices": [{"delta": oops, not json\n\n'
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


def openai_error(message: str, type_: str, code: str | None = None) -> bytes:
    """An error body shaped like OpenAI's, which its client turns into ``APIStatusError``."""
    return orjson.dumps({"error": {"message": message, "type": type_, "param": None, "code": code}})


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
        if config.context_tokens is not None:
            prompt = prompt_length(messages)
            wanted = prompt + requested_completion(request)
            if wanted > config.context_tokens:
                # OpenAI's own words and code for a prompt longer than the model's window.
                message = (
                    f"This model's maximum context length is {config.context_tokens} tokens. "
                    f"However, you requested {wanted} tokens ({prompt} in the messages, "
                    f"{wanted - prompt} in the completion). Please reduce the length of the "
                    "messages or completion."
                )
                error = openai_error(message, "invalid_request_error", "context_length_exceeded")
                await send_bytes(send, 400, error, JSON_HEADERS)
                return
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

    def _usage(self, plan: ReplyPlan) -> dict[str, int]:
        """The reply's usage, as OpenAI reports it; summed in the stats as it is sent."""
        completion = len(plan.words)
        self.state.prompt_tokens_reported += plan.prompt_tokens
        self.state.completion_tokens_reported += completion
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
