"""Managing keys: create (shown once), list, revoke (owner or admin), every change audited."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from parley_chat.audit import Caller
from parley_chat.keys.api import (
    AdminApiKeyList,
    AdminApiKeyOut,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    CurrentKey,
)
from parley_chat.keys.secret import new_secret
from parley_chat.storage import ApiKeyQueries, KeyCursor, NewKey, StoredKey
from parley_chat.storage.api_keys import KeyAudit
from parley_chat.storage.audit import AuditEntry

MAX_USER_ID = 64  # parley_api_keys.user_id
MAX_KEYS = 50  # unrevoked keys per user
MAX_LIFETIME = timedelta(days=730)
REVOKED_LISTED = timedelta(days=30)  # revoked keys stay in their owner's list this long
TOO_MANY_KEYS = "too many keys"
KEY_NOT_FOUND = "key not found"


class KeyRefusal(Exception):
    """A request the key rules refuse: its HTTP status and a sentence for ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def key_out(key: StoredKey) -> ApiKeyOut:
    return ApiKeyOut(**_fields(key))


def _fields(key: StoredKey) -> dict[str, object]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


def key_audit(caller: Caller, action: str) -> KeyAudit:
    """The audit event of a key created or revoked by ``caller`` (its owner or an admin)."""

    def entry(key: StoredKey) -> AuditEntry:
        return AuditEntry(
            kind=f"apikey.{action}",
            actor_id=caller.actor.id,
            actor_email=caller.actor.email,
            target_type="api_key",
            target_id=key.id,
            target_label=f"{key.name} ({key.prefix})"[:320],
            client_ip=caller.client.ip,
            user_agent=caller.client.user_agent,
            detail={"owner": key.user_id},
        )

    return entry


def encode_cursor(key: StoredKey) -> str:
    raw = f"{key.created_at.isoformat()}|{key.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> KeyCursor:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, key_id = raw.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return KeyCursor(moment, str(uuid.UUID(key_id)))
    except ValueError:
        raise KeyRefusal(422, "invalid cursor") from None


class ApiKeys:
    """The key rules over :class:`ApiKeyQueries`; ``audit_written`` wakes the forwarder."""

    def __init__(self, queries: ApiKeyQueries, audit_written: Callable[[], None]) -> None:
        self.queries = queries
        self.audit_written = audit_written

    async def create(self, caller: Caller, body: ApiKeyCreate) -> ApiKeyCreated:
        if len(caller.actor.id) > MAX_USER_ID:
            # Auth's ids are UUIDs; a longer subject would not fit the column.
            raise KeyRefusal(422, "this account's id is too long for API keys")
        now = datetime.now(UTC)
        if body.expires_at is not None and body.expires_at <= now:
            raise KeyRefusal(422, "expires_at must be in the future")
        if body.expires_at is not None and body.expires_at > now + MAX_LIFETIME:
            raise KeyRefusal(422, "expires_at must be at most two years ahead")
        secret = new_secret()
        new = NewKey(
            id=str(uuid.uuid4()),
            user_id=caller.actor.id,
            name=body.name,
            prefix=secret.prefix,
            secret_hash=secret.secret_hash,
            expires_at=body.expires_at,
        )
        created = await self.queries.create(new, MAX_KEYS, key_audit(caller, "created"))
        if created.key is None:
            raise KeyRefusal(409, TOO_MANY_KEYS)
        self.audit_written()
        return ApiKeyCreated(**_fields(created.key), key=secret.key)

    async def own(self, user_id: str) -> list[ApiKeyOut]:
        since = datetime.now(UTC) - REVOKED_LISTED
        return [key_out(k) for k in await self.queries.list_own(user_id, since)]

    async def revoke(self, key_id: str, caller: Caller, *, owner: str | None) -> None:
        """Revoke ``owner``'s key (any key when None, for an admin); 404 when there is none.
        Revoking a revoked key again is done (no second event)."""
        done = await self.queries.revoke(
            key_id, caller.actor.id[:MAX_USER_ID], owner, key_audit(caller, "revoked")
        )
        if not done.found:
            raise KeyRefusal(404, KEY_NOT_FOUND)
        if done.revoked is not None:
            self.audit_written()

    async def current(self, key_id: str) -> CurrentKey:
        """The key a request was just made with (revoked meanwhile: 404)."""
        key = await self.queries.get(key_id)
        if key is None:
            raise KeyRefusal(404, KEY_NOT_FOUND)
        return CurrentKey(id=key.id, name=key.name, prefix=key.prefix, user_id=key.user_id)

    async def page(self, user_id: str | None, cursor: str | None, limit: int) -> AdminApiKeyList:
        after = None if cursor is None else decode_cursor(cursor)
        rows = await self.queries.page(user_id, after, limit + 1)
        items = [AdminApiKeyOut(**_fields(k), user_id=k.user_id) for k in rows[:limit]]
        more = len(rows) > limit
        return AdminApiKeyList(
            items=items, next_cursor=encode_cursor(rows[limit - 1]) if more else None
        )
