"""OIDC_PROVIDERS: one entry per OpenID Provider, validated when the settings are read."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from parley_auth.groups import SLUG, slugify

DISCOVERY_SUFFIX = "/.well-known/openid-configuration"

# Provider ids and group ids share the group slug's pattern.
Slug = Annotated[str, Field(pattern=SLUG.pattern)]


class OidcProviderConfig(BaseModel):
    """One OpenID Provider users may sign in with (an element of ``OIDC_PROVIDERS``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: str = Field(min_length=1, max_length=100)
    discovery_url: str
    client_id: str = Field(min_length=1, max_length=500)
    # Empty: a public client (PKCE only); production refuses it.
    client_secret: SecretStr = SecretStr("")
    scopes: str = "openid email profile"
    groups_claim: str = Field(default="groups", min_length=1)
    # Claim values that make the user an admin; empty: SSO never changes the role.
    admin_groups: list[str] = Field(default_factory=list)
    # Claim value -> group id; None: every claim value slugified is the group id.
    group_map: dict[str, Slug] | None = None
    create_groups: bool = True
    link_by_email: bool = False

    @field_validator("discovery_url")
    @classmethod
    def _discovery_document(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        if not parts.path.endswith(DISCOVERY_SUFFIX) or parts.query or parts.fragment:
            raise ValueError(f"must be the issuer's URL followed by {DISCOVERY_SUFFIX}")
        return value

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: str) -> str:
        if "openid" not in value.split():
            raise ValueError("must include 'openid'")
        return " ".join(value.split())

    @property
    def expected_issuer(self) -> str:
        """The issuer the discovery document must name (OpenID Connect Discovery 4.3)."""
        return self.discovery_url.removesuffix(DISCOVERY_SUFFIX)

    def production_problems(self) -> list[str]:
        problems: list[str] = []
        where = f"OIDC_PROVIDERS[{self.id}]"
        if urlsplit(self.discovery_url).scheme != "https":
            problems.append(f"{where}.discovery_url must be https in production")
        if not self.client_secret.get_secret_value():
            problems.append(f"{where}.client_secret is not set")
        return problems

    def group_names(self, claim_values: list[str]) -> dict[str, str]:
        """Group id -> the claim value it came from (its name if SSO creates the group):
        ``group_map``'s entries, or each value slugified; values that map to nothing dropped."""
        groups: dict[str, str] = {}
        for value in claim_values:
            slug = self.group_map.get(value) if self.group_map is not None else slugify(value)
            if slug is not None:
                groups.setdefault(slug, value)
        return groups

    def makes_admin(self, claim_values: list[str]) -> bool | None:
        """Whether the claim makes the user an admin; None when the role is not SSO's to set."""
        if not self.admin_groups:
            return None
        return not set(self.admin_groups).isdisjoint(claim_values)


def parse_providers(value: object) -> object:
    """``OIDC_PROVIDERS`` from the environment: a JSON list (empty or unset: none)."""
    if isinstance(value, str):
        if not value.strip():
            return []
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON ({error})") from None
    return value


def unique_ids(providers: list[OidcProviderConfig]) -> list[OidcProviderConfig]:
    ids = [p.id for p in providers]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"provider ids must be unique: {', '.join(duplicates)}")
    return providers
