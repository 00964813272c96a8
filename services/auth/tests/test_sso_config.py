"""OIDC_PROVIDERS and SSO_ONLY: validated when read, refused in production when unfit, never
echoing a client secret in an error; the state cookie's ``next`` stays on the site."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from parley_auth.app import create_app
from parley_auth.sso.config import OidcProviderConfig
from parley_auth.sso.state import safe_next
from parley_common.settings import SettingsError
from pydantic import ValidationError

from .test_config import settings

SECRET = "a-client-secret-nobody-may-read"


def provider(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": "corp",
        "name": "Corp",
        "discovery_url": "https://idp.example.com/realms/corp/.well-known/openid-configuration",
        "client_id": "parley",
        "client_secret": SECRET,
    }
    return values | overrides


def test_defaults_of_a_provider() -> None:
    config = OidcProviderConfig(**provider())
    assert config.scopes == "openid email profile"
    assert config.groups_claim == "groups"
    assert (config.admin_groups, config.group_map) == ([], None)
    assert (config.create_groups, config.link_by_email) == (True, False)
    assert config.expected_issuer == "https://idp.example.com/realms/corp"
    assert config.makes_admin(["anything"]) is None
    admins = OidcProviderConfig(**provider(admin_groups=["Admins"]))
    assert admins.makes_admin(["Staff", "Admins"]) is True
    assert admins.makes_admin(["Staff"]) is False


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (provider(id="Corp"), "id"),
        (provider(discovery_url="https://idp.example.com/"), "discovery_url"),
        (provider(discovery_url="ftp://idp.example.com/.well-known/openid-configuration"), "http"),
        (provider(scopes="email profile"), "openid"),
        (provider(group_map={"Team A": "Team A"}), "group_map"),
        (provider(unknown_field=1), "unknown_field"),
        (provider(client_id=""), "client_id"),
    ],
)
def test_bad_entries_are_refused_naming_the_field(
    key_file: Path, entry: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        settings(key_file, ENV="development", OIDC_PROVIDERS=json.dumps([entry]))
    assert SECRET not in str(refused.value)


def test_malformed_json_and_duplicate_ids_are_refused(key_file: Path) -> None:
    with pytest.raises(ValidationError, match="not valid JSON") as refused:
        settings(key_file, OIDC_PROVIDERS=json.dumps([provider()])[:-5])
    assert SECRET not in str(refused.value)
    with pytest.raises(ValidationError, match="unique: corp"):
        settings(key_file, OIDC_PROVIDERS=json.dumps([provider(), provider(name="Again")]))
    assert settings(key_file, OIDC_PROVIDERS="").OIDC_PROVIDERS == []


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        (
            {
                "OIDC_PROVIDERS": json.dumps(
                    [
                        provider(
                            discovery_url="http://idp.example.com/.well-known/openid-configuration"
                        )
                    ]
                )
            },
            r"OIDC_PROVIDERS\[corp\].discovery_url must be https",
        ),
        (
            {"OIDC_PROVIDERS": json.dumps([provider(client_secret="")])},
            r"OIDC_PROVIDERS\[corp\].client_secret is not set",
        ),
        ({"SSO_ONLY": True}, "SSO_ONLY needs OIDC_PROVIDERS"),
    ],
)
def test_production_refuses_unfit_providers(
    key_file: Path, overrides: dict[str, Any], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        create_app(settings(key_file, **overrides))


def test_production_accepts_an_https_provider_with_a_secret(key_file: Path) -> None:
    app = create_app(settings(key_file, OIDC_PROVIDERS=json.dumps([provider()]), SSO_ONLY=True))
    assert list(app.state.runtime.sso.clients) == ["corp"]


def test_next_is_a_path_on_this_site() -> None:
    assert safe_next("/chats/1?x=y#z") == "/chats/1?x=y#z"
    unsafe_values = [None, "", "chats", "//evil.example", "/\\evil.example", "https://x.y/"]
    unsafe_values += ["/a\nb", "/a\\b", "/" + "a" * 2000]
    for unsafe in unsafe_values:
        assert safe_next(unsafe) == "/", unsafe
