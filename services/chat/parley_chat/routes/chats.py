"""The chat API: chats, messages (SSE), cancel and reattach."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from fastapi.responses import StreamingResponse
from parley_common.openapi import event_stream, responses

from parley_chat import chats
from parley_chat.deps import CurrentUser, RuntimeDep
from parley_chat.observability import Metrics
from parley_chat.runs import AGENT_ID, KEEPALIVE, Batch, ChatBusy, ChatNotFound, RunNotActive
from parley_chat.schemas import ChatCreate, ChatDetail, ChatList, ChatOut, ChatUpdate, MessageCreate

# Every route checks the token (401; 403 for an unverified email when REQUIRE_VERIFIED_EMAIL
# is on), validates its path or query and reads the database.
router = APIRouter(prefix="/api/chats", tags=["chats"], responses=responses(401, 403, 422, 503))

NOT_FOUND = "chat not found"
MESSAGE_TOO_LONG = "message_too_long"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _not_found(detail: str = NOT_FOUND) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=detail)


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
    row = await runtime.queries.insert_chat(str(uuid.uuid4()), user.user_id, title, AGENT_ID)
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
async def rename_chat(
    chat_id: uuid.UUID, body: ChatUpdate, user: CurrentUser, runtime: RuntimeDep
) -> ChatOut:
    row = await runtime.queries.rename_chat(str(chat_id), user.user_id, body.title)
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
            describe={
                409: "a reply is already being generated in this chat",
                422: f"invalid request, or a {MESSAGE_TOO_LONG!r} coded detail",
            },
        ),
    },
)
async def post_message(
    chat_id: uuid.UUID, body: MessageCreate, user: CurrentUser, runtime: RuntimeDep
) -> StreamingResponse:
    too_long = runtime.budget.too_long(body.content)
    if too_long is not None:
        # Refused before any lease or model call: no history left out would make it fit.
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            {
                "code": MESSAGE_TOO_LONG,
                "message": (
                    f"This message is too long for the model: about {too_long.tokens} tokens, "
                    f"at most {too_long.limit}. Shorten it or split it into several messages."
                ),
            },
        )
    try:
        run = await runtime.runs.start_run(str(chat_id), user.user_id, body.content)
    except ChatNotFound:
        raise _not_found() from None
    except ChatBusy:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "a reply is already being generated in this chat"
        ) from None
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
