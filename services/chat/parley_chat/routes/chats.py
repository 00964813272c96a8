"""The chat API: chats, messages (SSE), cancel and reattach."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from fastapi.responses import StreamingResponse
from parley_common.openapi import event_stream, responses

from parley_chat import chats
from parley_chat.catalog import ModelNotAllowed
from parley_chat.deps import CurrentUser, RuntimeDep
from parley_chat.observability import Metrics
from parley_chat.runs import (
    AGENT_ID,
    KEEPALIVE,
    Batch,
    ChatBusy,
    ChatNotFound,
    MessageTooLong,
    RunNotActive,
    choose_models,
)
from parley_chat.runtime import Runtime
from parley_chat.schemas import ChatCreate, ChatDetail, ChatList, ChatOut, ChatUpdate, MessageCreate
from parley_chat.storage import ChatChange
from parley_chat.tokens import Principal

# Every route checks the token (401; 403 for an unverified email when REQUIRE_VERIFIED_EMAIL
# is on), validates its path or query and reads the database.
router = APIRouter(prefix="/api/chats", tags=["chats"], responses=responses(401, 403, 422, 503))

NOT_FOUND = "chat not found"
MESSAGE_TOO_LONG = "message_too_long"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _not_found(detail: str = NOT_FOUND) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=detail)


def _model_refused(exc: ModelNotAllowed) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


def _checked_model(runtime: Runtime, user: Principal, model: str | None) -> str | None:
    """``model`` when this user may use it (None stays None: the default); else a 422."""
    if model is None:
        return None
    try:
        return runtime.catalog.current.resolve(model, user.groups).id
    except ModelNotAllowed as exc:
        raise _model_refused(exc) from None


def _too_long(exc: MessageTooLong) -> HTTPException:
    too_long = exc.too_long
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        {
            "code": MESSAGE_TOO_LONG,
            "message": (
                f"This message is too long for the model {exc.model.display_name}: about "
                f"{too_long.tokens} tokens, at most {too_long.limit}. Shorten it, split it "
                "into several messages or pick a model with a larger context."
            ),
        },
    )


def _sse(batches: AsyncIterator[Batch], metrics: Metrics) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        metrics.open_streams.inc()
        try:
            async for batch in batches:
                yield KEEPALIVE if batch is None else b"".join(e.encode() for e in batch)
        finally:
            metrics.open_streams.dec()

    return StreamingResponse(body(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("", response_model=ChatList)
async def list_chats(
    user: CurrentUser,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ChatList:
    try:
        after = chats.decode_cursor(cursor) if cursor else None
    except chats.InvalidCursor:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid cursor") from None
    rows = await runtime.queries.list_chats(user.user_id, limit + 1, after)
    page = rows[:limit]
    next_cursor = chats.encode_cursor(page[-1]) if len(rows) > limit else None
    return ChatList(items=[chats.chat_out(r) for r in page], next_cursor=next_cursor)


@router.post(
    "", response_model=ChatOut, status_code=status.HTTP_201_CREATED, responses=responses(413)
)
async def create_chat(
    user: CurrentUser, runtime: RuntimeDep, body: ChatCreate | None = None
) -> ChatOut:
    title = body.title if body else None
    model = _checked_model(runtime, user, body.model if body else None)
    row = await runtime.queries.insert_chat(str(uuid.uuid4()), user.user_id, title, AGENT_ID, model)
    return chats.chat_out(row)


@router.get("/{chat_id}", response_model=ChatDetail, responses=responses(404))
async def get_chat(
    chat_id: uuid.UUID,
    user: CurrentUser,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200, description="turns per page")] = 50,
    before: Annotated[str | None, Query(max_length=100)] = None,
) -> ChatDetail:
    """The chat with its newest ``limit`` turns; ``before`` (an ``older_cursor``) pages back."""
    try:
        older_than = chats.decode_turn_cursor(before) if before else None
    except chats.InvalidCursor:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid cursor") from None
    found = await runtime.queries.get_chat_with_runs(str(chat_id), user.user_id, limit, older_than)
    if found is None:
        raise _not_found()
    return chats.chat_detail(found)


@router.patch("/{chat_id}", response_model=ChatOut, responses=responses(404, 413))
async def update_chat(
    chat_id: uuid.UUID, body: ChatUpdate, user: CurrentUser, runtime: RuntimeDep
) -> ChatOut:
    """Rename the chat and/or change its model (``"model": null``: the catalog default)."""
    model = _checked_model(runtime, user, body.model)
    change = ChatChange(title=body.title, set_model=body.sets_model, model=model)
    row = await runtime.queries.update_chat(str(chat_id), user.user_id, change)
    if row is None:
        raise _not_found()
    return chats.chat_out(row)


@router.delete("/{chat_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
async def delete_chat(chat_id: uuid.UUID, user: CurrentUser, runtime: RuntimeDep) -> Response:
    if not await runtime.queries.delete_chat(str(chat_id), user.user_id):
        raise _not_found()
    # A run still in flight notices the missing lease at its next heartbeat and stops.
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{chat_id}/messages",
    response_class=StreamingResponse,
    responses={
        **event_stream("the run's events, until it ends"),
        **responses(
            404,
            409,
            413,
            422,
            429,
            describe={
                409: "a reply is already being generated in this chat",
                429: (
                    "refused before any model call: a BUDGET_EXCEEDED or RATE_LIMITED coded "
                    "detail with the limit and retry_after (also Retry-After)"
                ),
                422: (
                    f"invalid request, a model this user may not use, or a {MESSAGE_TOO_LONG!r} "
                    "coded detail"
                ),
            },
        ),
    },
)
async def post_message(
    chat_id: uuid.UUID, body: MessageCreate, user: CurrentUser, runtime: RuntimeDep
) -> StreamingResponse:
    # The model is decided in memory, before any lease, stored row or model call: the turn's
    # model if named, else the chat's (read by the lease statement itself), else the default.
    try:
        models = choose_models(
            runtime.catalog.current, body.model, user.groups, body.content, runtime.budgets
        )
        run = await runtime.runs.start_run(str(chat_id), user, body.content, models)
    except ModelNotAllowed as exc:
        raise _model_refused(exc) from None
    except MessageTooLong as exc:
        # No history left out would make it fit this model.
        raise _too_long(exc) from None
    except ChatNotFound:
        raise _not_found() from None
    except ChatBusy:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "a reply is already being generated in this chat"
        ) from None
    # UsageRefused (a budget or a per-user limit): the app's handler answers 429.
    return _sse(run.follow(-1, runtime.settings.SSE_KEEPALIVE_SECONDS), runtime.metrics)


@router.post(
    "/{chat_id}/runs/{run_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(404, 409, describe={409: "the run has already finished"}),
)
async def cancel_run(
    chat_id: uuid.UUID, run_id: uuid.UUID, user: CurrentUser, runtime: RuntimeDep
) -> dict[str, str]:
    try:
        await runtime.runs.cancel(str(chat_id), user.user_id, str(run_id))
    except ChatNotFound:
        raise _not_found("run not found") from None
    except RunNotActive:
        raise HTTPException(status.HTTP_409_CONFLICT, "the run has already finished") from None
    return {"status": "cancelling"}


@router.get(
    "/{chat_id}/runs/{run_id}/events",
    response_class=StreamingResponse,
    responses={
        **event_stream("the run's events after Last-Event-ID, live until it ends"),
        **responses(404),
    },
)
async def run_events(
    chat_id: uuid.UUID,
    run_id: uuid.UUID,
    user: CurrentUser,
    runtime: RuntimeDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=32)] = None,
) -> StreamingResponse:
    after = -1
    if last_event_id is not None and last_event_id.strip():
        try:
            after = int(last_event_id.strip())
        except ValueError:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid Last-Event-ID"
            ) from None
    try:
        events = await runtime.runs.events(str(chat_id), user.user_id, str(run_id), after)
    except ChatNotFound:
        raise _not_found("run not found") from None
    return _sse(events, runtime.metrics)
