"""Forwards the audit outbox to auth's audit log, oldest first, through auth outages.

``POST {AUTH_URL}/auth/internal/audit`` with the shared ``SERVICE_TOKEN``; a row is deleted
once auth answered 204. An event auth refuses as invalid (400, 413, 422) is kept aside in the
outbox and logged as an error: it never will be taken, and must not hold back the others.
Anything else (auth down, 5xx, a refused token, an auth without the route) keeps the row and
every later one, retried with a growing pause, logged once per outage: an audit event is
never dropped. A row delivered whose deletion is then lost (a crash, the database gone) is
sent again: auth may hold a duplicate, never a gap.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import structlog

from parley_chat.accounts.feed import rfc3339
from parley_chat.observability import Metrics
from parley_chat.storage.audit import Delivery, OutboxQueries, OutboxRow

log = structlog.get_logger("parley_chat.audit")

AUDIT_PATH = "/auth/internal/audit"
BATCH = 20  # rows per transaction (the transaction stays open while they are sent)
# A replica's own changes wake it at once; this catches rows left by a failure, a restart or
# a replica that stopped before sending them.
POLL_SECONDS = 5.0
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
# Auth's answers to an event it will never take (a malformed or oversized body).
REJECTED = frozenset({400, 413, 422})


class AuditForwarder:
    """Sends the outbox to auth in the background; off without AUTH_URL or SERVICE_TOKEN
    (the rows are kept for when it is configured)."""

    def __init__(
        self,
        *,
        outbox: OutboxQueries,
        auth_url: str | None,
        service_token: str | None,
        http: httpx.AsyncClient | None,
        metrics: Metrics,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.outbox = outbox
        self.url = auth_url.rstrip("/") + AUDIT_PATH if auth_url else None
        self._headers = {"Authorization": f"Bearer {service_token}"}
        self._http = http if auth_url and service_token else None
        self.metrics = metrics
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._failing = False
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return self._http is not None

    async def start(self) -> None:
        if self.enabled:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def wake(self) -> None:
        """An event was just committed here: send it now rather than at the next poll."""
        self._wake.set()

    async def forward_pending(self) -> bool:
        """Send every row waiting (another replica sending meanwhile: leave it to that one);
        False when a row could not be delivered."""
        while True:
            try:
                done = await self.outbox.forward(self._send, BATCH)
            except Exception as exc:  # the database: the rows are safe, try again later
                self._failed(type(exc).__name__)
                return False
            if done.failed:
                return False
            if done.skipped or not done.more:
                break
        if self._failing:
            log.info("audit_forwarding_recovered")
            self._failing = False
        return True

    async def _run(self) -> None:
        retry = FIRST_RETRY_SECONDS
        while True:
            self._wake.clear()
            if await self.forward_pending():
                retry = FIRST_RETRY_SECONDS
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self._wake.wait()
            else:
                await asyncio.sleep(retry)
                retry = min(retry * 2, MAX_RETRY_SECONDS)

    async def _send(self, row: OutboxRow) -> Delivery:
        assert self._http is not None and self.url is not None
        try:
            response = await self._http.post(self.url, json=body(row), headers=self._headers)
        except httpx.HTTPError as exc:
            self._failed(type(exc).__name__)
            return Delivery(False)
        status = response.status_code
        if status == 204:
            self.metrics.audit_events_forwarded.inc()
            return Delivery(True)
        if status in REJECTED:
            self.metrics.audit_events_rejected.inc()
            why = f"HTTP {status}: {response.text[:300]}"
            log.error("audit_event_rejected", outbox_id=row.id, kind=row.entry.kind, reason=why)
            return Delivery(False, why)
        # 401: SERVICE_TOKEN differs from auth's; 404: an auth without the route; 5xx: down.
        self._failed(f"HTTP {status}")
        return Delivery(False)

    def _failed(self, reason: str) -> None:
        self.metrics.audit_forward_failures.inc()
        if not self._failing:
            # Once per outage: a down auth would otherwise log every few seconds.
            self._failing = True
            log.warning("audit_forwarding_unavailable", error=reason, url=self.url)


def body(row: OutboxRow) -> dict[str, object]:
    """The JSON auth's ``POST /auth/internal/audit`` takes; optional fields left out when
    empty."""
    entry = row.entry
    sent: dict[str, object] = {
        "kind": entry.kind,
        "actor_id": entry.actor_id,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "detail": dict(entry.detail),
        "at": rfc3339(row.at),
    }
    optional = {
        "actor_email": entry.actor_email,
        "target_label": entry.target_label,
        "client_ip": entry.client_ip,
        "user_agent": entry.user_agent,
    }
    sent.update({k: v for k, v in optional.items() if v is not None})
    return sent
