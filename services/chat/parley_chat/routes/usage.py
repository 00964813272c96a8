"""Usage: ``/api/usage`` (the caller's own) and, for admins, ``/api/admin/budgets`` and
``/api/admin/usage``; logic in usage/reports.py and usage/budgets.py."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from parley_common.openapi import responses

from parley_chat.catalog import ModelNotAllowed
from parley_chat.deps import AdminCaller, AdminUser, CurrentUser, RuntimeDep
from parley_chat.storage.usage_reports import ReportBy
from parley_chat.usage import worst_case
from parley_chat.usage.budgets import BudgetList, BudgetNotFound, BudgetOut, BudgetSet
from parley_chat.usage.reports import (
    MAX_REPORT_DAYS,
    AdminUsage,
    MyUsage,
    RangeRefused,
    csv_filename,
    report_range,
    utc_today,
)

FORBIDDEN = "an API key ('an API key is accepted on /api/v1 only'), or EMAIL_NOT_VERIFIED"
router = APIRouter(
    prefix="/api/usage",
    tags=["usage"],
    responses=responses(401, 403, 503, describe={403: FORBIDDEN}),
)
admin_router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    responses=responses(401, 403, 503, describe={403: f"not an admin ('admin only'), {FORBIDDEN}"}),
)
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.get("", response_model=MyUsage, responses=responses(422))
async def my_usage(
    user: CurrentUser,
    runtime: RuntimeDep,
    days: Annotated[int, Query(ge=1, le=MAX_REPORT_DAYS)] = 30,
) -> MyUsage:
    """The caller's usage of the last ``days`` UTC days (today included), the budgets that
    apply to them with what is left, whether a reply of their default model still fits, and
    the per-user limits."""
    try:
        default = runtime.catalog.current.resolve(None, user.groups)
    except ModelNotAllowed:  # no model this user may use
        worst = None
    else:
        worst = worst_case(default, runtime.budgets)
    return await runtime.usage.mine(user.user_id, sorted(user.groups), days, worst)


@admin_router.get("/budgets", response_model=BudgetList)
async def list_budgets(_admin: AdminUser, runtime: RuntimeDep) -> BudgetList:
    """Every budget with its current period's usage ('everyone' ones: null usage)."""
    return await runtime.budget_admin.list()


@admin_router.put("/budgets", response_model=BudgetOut, responses=responses(404, 413, 422))
async def put_budget(body: BudgetSet, caller: AdminCaller, runtime: RuntimeDep) -> BudgetOut:
    """Create or replace the budget of (scope, scope_id, period); audited as ``budget.set``."""
    try:
        return await runtime.budget_admin.put(caller, body)
    except BudgetNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


@admin_router.delete(
    "/budgets/{budget_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 422)
)
async def delete_budget(budget_id: uuid.UUID, caller: AdminCaller, runtime: RuntimeDep) -> Response:
    """Delete a budget; audited as ``budget.deleted``."""
    try:
        await runtime.budget_admin.delete(caller, str(budget_id))
    except BudgetNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin_router.get("/usage", response_model=AdminUsage, responses={**responses(422), **CSV})
async def usage_report(
    _admin: AdminUser,
    runtime: RuntimeDep,
    by: ReportBy = "user",
    since: date | None = None,
    until: date | None = None,
    output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> AdminUsage | Response:
    """Everyone's usage in [since, until] (UTC days of recording; default: the last 30),
    one row per user, group (a call counts in each of its user's groups; none: ``""``),
    model or day. Sums only: never a message."""
    try:
        days = report_range(since, until, utc_today())
    except RangeRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if output == "json":
        return await runtime.usage.report(by, days)
    body = await runtime.usage.report_csv(by, days)
    disposition = f'attachment; filename="{csv_filename(by, days)}"'
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
