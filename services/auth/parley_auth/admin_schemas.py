"""Request and response bodies of the admin API (/auth/admin) and the internal audit route."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from parley_auth.schemas import Role
from parley_auth.storable import Instant, JsonObject, Text

GroupSlug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", max_length=64)]
GroupName = Annotated[Text, Field(min_length=1, max_length=100)]
RegistrationMode = Literal["open", "domains", "invite", "closed"]


class AdminUserRead(BaseModel):
    id: uuid.UUID
    email: str
    pending_email: str | None
    is_verified: bool
    role: Role
    active: bool
    groups: list[str]  # slugs, sorted
    sso: list[str]  # ids of the SSO providers linked to the account
    created_at: datetime


class UsersPage(BaseModel):
    items: list[AdminUserRead]
    next_cursor: str | None
    # Exact on a first page when at most 10,000 accounts match; otherwise null (counting
    # 100,000 rows on every page would cost more than the page itself).
    total: int | None


class AdminUserUpdate(BaseModel):
    role: Role | None = None
    active: bool | None = None
    # The complete list of MANUAL memberships (SSO ones follow the identity provider).
    groups: list[GroupSlug] | None = Field(default=None, max_length=500)


class GroupRead(BaseModel):
    id: str
    name: str
    members: int
    created_at: datetime


class GroupList(BaseModel):
    items: list[GroupRead]


class GroupCreate(BaseModel):
    id: GroupSlug
    name: GroupName


class GroupUpdate(BaseModel):
    name: GroupName


class RegistrationRead(BaseModel):
    mode: RegistrationMode
    domains: list[str]
    conceals_accounts: bool
    sso_only: bool


class RegistrationUpdate(BaseModel):
    mode: RegistrationMode
    domains: list[Annotated[Text, Field(min_length=1, max_length=253)]] = Field(
        default_factory=list, max_length=200
    )


class AuditEventRead(BaseModel):
    id: int
    at: datetime
    kind: str
    actor_id: uuid.UUID | None
    actor_email: str | None
    target_type: str | None
    target_id: str | None
    target_label: str | None
    client_ip: str | None
    user_agent: str | None
    detail: dict[str, object]


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_cursor: str | None


class InternalAuditEvent(BaseModel):
    """An event chat forwards from its outbox (catalog changes through its admin API, API keys
    created or revoked, usage budgets set or deleted)."""

    kind: str = Field(pattern=r"^(catalog|apikey|budget)\.[a-z_.]{1,55}$", max_length=64)
    actor_id: uuid.UUID | None
    actor_email: Text | None = Field(default=None, max_length=320)
    target_type: Literal["provider", "model", "api_key", "budget"]
    target_id: Text = Field(max_length=200)
    target_label: Text | None = Field(default=None, max_length=320)
    client_ip: Text | None = Field(default=None, max_length=64)
    user_agent: Text | None = Field(default=None, max_length=300)
    detail: JsonObject = Field(default_factory=dict)
    at: Instant
