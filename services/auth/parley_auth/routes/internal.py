"""Service-to-service routes (not routed by the gateway): the account-change feed chat polls,
and the audit events chat forwards."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from parley_common.openapi import responses

from parley_auth.account_changes import changes_since
from parley_auth.admin_schemas import InternalAuditEvent
from parley_auth.audit_log import add_forwarded
from parley_auth.deps import RuntimeDep, SessionDep
from parley_auth.schemas import AccountChangeRead, AccountChanges
from parley_auth.storable import Instant

router = APIRouter(prefix="/auth/internal", tags=["internal"], responses=responses(401, 503))


def require_service_token(request: Request, runtime: RuntimeDep) -> None:
    """``Authorization: Bearer <SERVICE_TOKEN>``, compared in constant time."""
    expected = runtime.settings.SERVICE_TOKEN.get_secret_value()
    if not expected:
        # Development without a service token: the feed is off.
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        presented.strip().encode(), expected.encode()
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )


@router.get(
    "/account-changes",
    response_model=AccountChanges,
    dependencies=[Depends(require_service_token)],
    responses=responses(404, 422),
)
async def account_changes(
    session: SessionDep,
    since: Annotated[Instant, Query(description="RFC 3339, with a time zone")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> AccountChanges:
    """Accounts whose sessions ended (``token_version``) or that were deleted, oldest first.

    Poll with ``since`` = the previous answer's ``now`` minus 10 s.
    """
    if since.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="since needs a time zone (RFC 3339)"
        )
    page = await changes_since(session, since, limit)
    return AccountChanges(
        changes=[
            AccountChangeRead.model_validate(row, from_attributes=True) for row in page.changes
        ],
        now=page.now,
        more=page.more,
    )


@router.post(
    "/audit",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(require_service_token)],
    responses=responses(404, 413, 422),
)
async def forwarded_audit_event(body: InternalAuditEvent, session: SessionDep) -> Response:
    """Store one audit event from chat (``kind`` catalog.*, apikey.* or budget.*). Chat's
    outbox sends each event until it gets this 204: an answer lost on the way means it is
    stored twice."""
    if body.at.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="at needs a time zone (RFC 3339)"
        )
    await add_forwarded(session, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
