"""Admin API: the registration policy and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException, Query, Request, status
from parley_common.openapi import responses

from parley_auth import audit_log, site_settings
from parley_auth.admin_schemas import (
    AuditEventRead,
    AuditPage,
    RegistrationRead,
    RegistrationUpdate,
)
from parley_auth.audit import client_info
from parley_auth.deps import CurrentAdmin, RuntimeDep, SessionDep
from parley_auth.paging import INVALID_CURSOR
from parley_auth.routes.admin_common import Cursor, Limit, admin_router
from parley_auth.runtime import Runtime
from parley_auth.storable import Instant, Text

router = admin_router()


def _read(runtime: Runtime, policy: site_settings.RegistrationPolicy) -> RegistrationRead:
    settings = runtime.settings
    return RegistrationRead(
        mode=policy.mode,  # type: ignore[arg-type]
        domains=policy.domains,
        conceals_accounts=settings.conceals_accounts,
        sso_only=settings.SSO_ONLY,
    )


@router.get("/registration", response_model=RegistrationRead)
async def read_registration(
    admin: CurrentAdmin, session: SessionDep, runtime: RuntimeDep
) -> RegistrationRead:
    """Who may register: the saved policy, else REGISTRATION/REGISTRATION_DOMAINS."""
    return _read(runtime, await site_settings.registration_policy(session, runtime.settings))


@router.put(
    "/registration",
    response_model=RegistrationRead,
    responses=responses(413, 422, describe={422: site_settings.DOMAINS_REQUIRED + " or invalid"}),
)
async def save_registration(
    body: RegistrationUpdate,
    request: Request,
    admin: CurrentAdmin,
    session: SessionDep,
    runtime: RuntimeDep,
) -> RegistrationRead:
    """Save the policy; it applies to the next registration (every replica)."""
    try:
        policy = await site_settings.save_registration_policy(
            session, runtime.settings, admin, body.mode, body.domains, client_info(request)
        )
    except site_settings.PolicyInvalid as invalid:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(invalid)) from None
    return _read(runtime, policy)


@router.get(
    "/audit", response_model=AuditPage, responses=responses(422, describe={422: INVALID_CURSOR})
)
async def read_audit(
    admin: CurrentAdmin,
    session: SessionDep,
    actor: Annotated[Text | None, Query(max_length=320, description="user id or email")] = None,
    target: Annotated[Text | None, Query(max_length=200, description="target id")] = None,
    kind: Annotated[
        Text | None, Query(max_length=64, description='exact kind, or a prefix ending in "."')
    ] = None,
    since: Annotated[Instant | None, Query(description="RFC 3339, inclusive")] = None,
    until: Annotated[Instant | None, Query(description="RFC 3339, exclusive")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AuditPage:
    """Audit events, newest first."""
    if any(moment is not None and moment.tzinfo is None for moment in (since, until)):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="since and until need a time zone"
        )
    where = audit_log.AuditFilter(actor=actor, target=target, kind=kind, since=since, until=until)
    listing = await audit_log.list_events(session, where, cursor, limit)
    return AuditPage(
        items=[AuditEventRead.model_validate(e, from_attributes=True) for e in listing.events],
        next_cursor=listing.next_cursor,
    )
