"""OpenAI's error bodies and statuses on /api/v1 (every other route keeps ``{"detail"}``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from parley_chat import llm
from parley_chat.openai_api.schemas import OpenAIErrorBody
from parley_chat.usage import UsageRefused

PREFIX = "/api/v1/"

# The type (and default code) OpenAI gives each status.
_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", None),
    413: ("invalid_request_error", "request_too_large"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}

# What a provider failure is to the caller: their prompt too long is theirs to fix (400, as
# OpenAI answers it); an overloaded or unreachable provider is worth a retry (503); anything
# else is the provider's or the operator's (502).
_UPSTREAM_STATUS = {
    llm.CONTEXT_TOO_LONG: 400,
    llm.LLM_UNAVAILABLE: 503,
    llm.PROVIDER_RATE_LIMITED: 503,
}
_UPSTREAM_CODE = {llm.CONTEXT_TOO_LONG: "context_length_exceeded"}

_DESCRIPTIONS = {
    400: "invalid request (OpenAI's invalid_request_error; validation errors too, not a 422)",
    401: "missing or invalid API key or token (code invalid_api_key)",
    403: "refused for this caller",
    404: "unknown model, or not one the caller may use (code model_not_found)",
    413: "request body too large",
    429: (
        "a budget (code BUDGET_EXCEEDED, type insufficient_quota) or a per-user limit "
        "(RATE_LIMITED, rate_limit_error) refused the call; Retry-After"
    ),
    502: "the model's provider failed (type api_error)",
    503: "the provider is unavailable or overloaded, or this service is (then with Retry-After)",
}


_EITHER_BODY = {
    "anyOf": [
        {"$ref": "#/components/schemas/OpenAIErrorBody"},
        {"$ref": "#/components/schemas/ErrorBody"},
    ]
}


class OpenAIError(Exception):
    """An error answered in OpenAI's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        type_: str | None = None,
    ) -> None:
        super().__init__(message)
        kind, default_code = _KINDS.get(status, ("api_error", None))
        self.status = status
        self.message = message
        self.type = type_ or kind
        self.code = code or default_code
        self.param = param

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def model_not_found(model: str) -> OpenAIError:
    return OpenAIError(
        404,
        f"The model '{model}' does not exist or you do not have access to it.",
        code="model_not_found",
        param="model",
    )


def upstream_error(code: str) -> OpenAIError:
    """A provider failure as classified by the provider transport (``llm`` codes)."""
    status = _UPSTREAM_STATUS.get(code, 502)
    type_ = "invalid_request_error" if status == 400 else "api_error"
    message = llm.ERROR_MESSAGES.get(code, llm.ERROR_MESSAGES[llm.LLM_ERROR])
    return OpenAIError(status, message, code=_UPSTREAM_CODE.get(code, code), type_=type_)


def usage_refused(exc: UsageRefused) -> JSONResponse:
    """A budget or per-user limit's 429. OpenAI's SDKs retry a 429 unless told not to: a
    budget spent until its reset is not worth retrying, a rate limit is."""
    budget = exc.code == "BUDGET_EXCEEDED"
    headers = {"Retry-After": str(exc.retry_after)}
    if budget:
        headers["x-should-retry"] = "false"
    type_ = "insufficient_quota" if budget else "rate_limit_error"
    return error_response(OpenAIError(429, exc.message(), code=exc.code, type_=type_), headers)


def is_v1(request: Request) -> bool:
    return request.url.path.startswith(PREFIX)


def error_response(error: OpenAIError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


async def openai_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OpenAIError)
    return error_response(exc)


def from_http_exception(exc: HTTPException) -> JSONResponse:
    """A dependency's refusal (401 from the token check, 403, 503) in OpenAI's shape."""
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    code = detail if detail.isupper() else None  # EMAIL_NOT_VERIFIED and the like
    headers = dict(exc.headers) if exc.headers else None
    return error_response(OpenAIError(exc.status_code, detail, code=code), headers)


def from_validation(exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 as OpenAI's 400 naming the first bad parameter (never echoing input)."""
    errors: Sequence[Any] = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(part) for part in first.get("loc", ()) if part != "body"]
    param = _param(loc) or None
    message = str(first.get("msg", "invalid request"))
    if param:
        message = f"Invalid value for '{param}': {message}"
    return error_response(OpenAIError(400, message, param=param))


_UNION_BRANCHES = {"str", "int", "float", "bool", "list", "dict"}


def _param(loc: Sequence[str]) -> str:
    """``["messages", "0", "role"]`` -> ``messages[0].role``, as OpenAI names parameters."""
    out = ""
    for part in loc:
        if part.isdigit():
            out += f"[{part}]"
        elif not out:
            out = part
        elif "[" in part or part in _UNION_BRANCHES:
            continue  # pydantic's name of a union's branch, not a field
        else:
            out += f".{part}"
    return out


def too_large(message: str) -> dict[str, Any]:
    """The body limit's 413 on /api/v1."""
    return OpenAIError(413, message).body()


def openai_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses=`` for /api/v1's errors, each with OpenAI's error body."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        spec: dict[str, Any] = {"description": _DESCRIPTIONS[status], "model": OpenAIErrorBody}
        if status == 401:
            spec["headers"] = {
                "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
            }
        if status == 503:
            # The shutdown drain and the database handlers answer before /api/v1's handlers
            # see it: their 503 keeps Parley's ``{"detail"}``.
            del spec["model"]
            spec["content"] = {"application/json": {"schema": _EITHER_BODY}}
            spec["headers"] = {
                "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
            }
        declared[status] = spec
    return declared


def document_400_not_422(app: FastAPI) -> None:
    """FastAPI documents a 422 on every route that validates; /api/v1 answers 400 instead."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for path, item in build()["paths"].items():
                if path.startswith(PREFIX):
                    for operation in item.values():
                        operation["responses"].pop("422", None)
        schema: dict[str, Any] = app.openapi_schema or build()
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
