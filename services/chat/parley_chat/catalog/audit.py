"""The audit events of catalog changes: kind, target, and the names of the fields changed
(never their values: a provider's key must not reach the audit log)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from urllib.parse import urlsplit

from parley_chat.audit import Caller
from parley_chat.storage.audit import Audited, AuditEntry
from parley_chat.storage.catalog import StoredModel, StoredProvider

# Stored column -> the field name admins use in the API.
_PROVIDER_NAMES = {"api_key_encrypted": "api_key"}
_MODEL_NAMES = {"provider_id": "provider", "is_default": "default"}
Row = StoredProvider | StoredModel


def provider_audit(caller: Caller, given: Collection[str] = ()) -> Audited[StoredProvider]:
    """The event of a provider's creation (``given``: the body's fields), change or deletion."""

    def entry(before: StoredProvider | None, after: StoredProvider | None) -> AuditEntry:
        row = after or before
        assert row is not None
        return _entry(caller, "provider", row.id, _provider_label(row), before, after, given)

    return entry


def model_audit(caller: Caller, given: Collection[str] = ()) -> Audited[StoredModel]:
    """The event of a model's creation (``given``: the body's fields), change or deletion."""

    def entry(before: StoredModel | None, after: StoredModel | None) -> AuditEntry:
        row = after or before
        assert row is not None
        return _entry(caller, "model", row.id, row.display_name, before, after, given)

    return entry


def _provider_label(row: StoredProvider) -> str:
    # The host only: a base URL may carry credentials (user:password@) or a key in its query.
    parts = urlsplit(row.base_url)
    try:
        port = parts.port
    except ValueError:  # not a number: leave it out
        port = None
    return f"{row.kind} at {parts.hostname or '?'}" + (f":{port}" if port else "")


def _entry(
    caller: Caller,
    target_type: str,
    target_id: str,
    label: str,
    before: Row | None,
    after: Row | None,
    given: Collection[str],
) -> AuditEntry:
    names = _PROVIDER_NAMES if target_type == "provider" else _MODEL_NAMES
    if before is None:
        action, fields = "created", sorted(names.get(f, f) for f in given if f != "id")
    elif after is None:
        action, fields = "deleted", []
    else:
        action, fields = "updated", _changed(before, after, names)
    return AuditEntry(
        kind=f"catalog.{target_type}_{action}",
        actor_id=caller.actor.id,
        actor_email=caller.actor.email,
        target_type=target_type,
        target_id=target_id,
        target_label=label[:320],
        client_ip=caller.client.ip,
        user_agent=caller.client.user_agent,
        detail={"fields": fields} if action != "deleted" else {},
    )


def _changed(before: Row, after: Row, names: Mapping[str, str]) -> list[str]:
    """The API names of the fields whose stored value differs (a key given again counts:
    it is encrypted anew, and the old one cannot be compared)."""
    old, new = dataclasses.asdict(before), dataclasses.asdict(after)
    return sorted(names.get(f, f) for f in old if old[f] != new[f])
