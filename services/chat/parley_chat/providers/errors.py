"""What a provider's failure means for the user: HTTP errors and transport failures as codes."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import orjson

from parley_chat import llm

# Gateways and overloaded servers: worth a retry later, nothing the user or operator must fix.
_UNAVAILABLE_STATUSES = {502, 503, 504}
# OpenAI's own error code, and what vLLM, llama.cpp, Ollama and LiteLLM write when a prompt
# does not fit the model's window (they answer 400 without OpenAI's code).
_CONTEXT_CODES = {"context_length_exceeded", "string_above_max_length"}
_CONTEXT_PHRASES = (
    "maximum context length",
    "context length",
    "context window",
    "context_length_exceeded",
    "too many tokens",
    "exceeds the available context",
    "prompt is too long",
)


def code_for_exception(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return llm.LLM_TIMEOUT
    if isinstance(exc, httpx.ConnectError):
        return llm.LLM_UNAVAILABLE
    return llm.LLM_ERROR


def code_for_response(status: int, body: bytes) -> str:
    """The code of a provider's error answer: its status, refined by OpenAI's error body."""
    error = _error_object(body)
    code = str(error.get("code") or "").lower()
    if status in (401, 403):
        return llm.PROVIDER_AUTH_FAILED
    if status == 429:
        return llm.PROVIDER_RATE_LIMITED
    if status == 404 or code == "model_not_found":
        return llm.MODEL_NOT_FOUND
    if code in _CONTEXT_CODES:
        return llm.CONTEXT_TOO_LONG
    if status in (400, 413, 422):
        message = str(error.get("message") or "").lower()
        if any(phrase in message for phrase in _CONTEXT_PHRASES):
            return llm.CONTEXT_TOO_LONG
    if status in _UNAVAILABLE_STATUSES:
        return llm.LLM_UNAVAILABLE
    return llm.LLM_ERROR


def _error_object(body: bytes) -> dict[str, Any]:
    """OpenAI's ``{"error": {"message", "type", "code"}}`` (some servers put it at the top)."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {"message": body[:2000].decode("utf-8", "replace")}
    if not isinstance(parsed, dict):
        return {}
    inner = parsed.get("error")
    if isinstance(inner, dict):
        return inner
    if isinstance(inner, str):  # Ollama and llama.cpp: {"error": "<message>"}
        return {"message": inner}
    return parsed
