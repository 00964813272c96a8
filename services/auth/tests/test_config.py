"""Production mode refuses missing or development secrets, naming the setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from parley_auth.app import create_app
from parley_auth.cli import main
from parley_auth.config import DEV_RESET_PASSWORD_SECRET, Settings
from parley_common.settings import SettingsError

from .conftest import AuthFactory

# Refusal happens before any connection is made, so these tests need no database.
UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:1/auth"


def settings(key_file: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ENV": "production",
        "DATABASE_URL": UNREACHABLE_DB,
        "SIGNING_KEY_FILES": str(key_file),
        "RESET_PASSWORD_TOKEN_SECRET": "r" * 40,
        "VERIFICATION_TOKEN_SECRET": "v" * 40,
        "SESSION_SECRET": "s" * 40,
        "SERVICE_TOKEN": "t" * 40,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SIGNING_KEY_FILES": ""}, "SIGNING_KEY_FILES"),
        ({"SIGNING_KEY_FILES": "/nonexistent/key.pem"}, "SIGNING_KEY_FILES"),
        ({"RESET_PASSWORD_TOKEN_SECRET": DEV_RESET_PASSWORD_SECRET}, "RESET_PASSWORD_TOKEN_SECRET"),
        ({"RESET_PASSWORD_TOKEN_SECRET": ""}, "RESET_PASSWORD_TOKEN_SECRET"),
        ({"VERIFICATION_TOKEN_SECRET": "short"}, "VERIFICATION_TOKEN_SECRET"),
        ({"VERIFICATION_TOKEN_SECRET": "r" * 40}, "VERIFICATION_TOKEN_SECRET"),
        ({"PASSWORD_HASH_PROFILE": "fast"}, "PASSWORD_HASH_PROFILE"),
        ({"SESSION_SECRET": ""}, "SESSION_SECRET is not set"),
        ({"SESSION_SECRET": "s" * 31}, "SESSION_SECRET is shorter"),
        ({"SERVICE_TOKEN": ""}, "SERVICE_TOKEN is not set"),
        ({"SERVICE_TOKEN": "s" * 40}, "SESSION_SECRET and SERVICE_TOKEN are equal"),
        ({"SERVICE_TOKEN": DEV_RESET_PASSWORD_SECRET}, "SERVICE_TOKEN is the development"),
        ({"REGISTRATION": "domains"}, "REGISTRATION_DOMAINS"),
    ],
)
def test_production_refuses_unfit_settings(
    key_file: Path, overrides: dict[str, Any], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        create_app(settings(key_file, **overrides))


def test_production_defaults_are_all_refused() -> None:
    with pytest.raises(SettingsError) as refused:
        create_app(Settings(ENV="production", DATABASE_URL=UNREACHABLE_DB))
    message = str(refused.value)
    for name in (
        "SIGNING_KEY_FILES",
        "RESET_PASSWORD_TOKEN_SECRET",
        "VERIFICATION_TOKEN_SECRET",
        "SESSION_SECRET",
        "SERVICE_TOKEN",
    ):
        assert name in message


def test_a_small_or_non_rsa_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    small = tmp_path / "small.pem"
    weak = rsa.generate_private_key(65537, 1024)  # noqa: S505
    small.write_bytes(
        weak.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SettingsError, match=r"SIGNING_KEY_FILES.*1024 bits"):
        create_app(settings(small))
    curve = tmp_path / "ec.pem"
    curve.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SettingsError, match="not an RSA private key"):
        create_app(settings(curve))


def test_serve_refuses_to_start_and_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENV", "production")
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE_DB)
    monkeypatch.delenv("SIGNING_KEY_FILES", raising=False)
    monkeypatch.delenv("RESET_PASSWORD_TOKEN_SECRET", raising=False)
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "refusing to start in production" in err
    assert "SIGNING_KEY_FILES" in err and "RESET_PASSWORD_TOKEN_SECRET" in err


async def test_production_with_real_secrets_serves(
    make_auth: AuthFactory, production: dict[str, Any]
) -> None:
    async with make_auth(**production) as auth:
        user, _ = await auth.user("alice@example.com")
        assert user["email"] == "alice@example.com"


async def test_development_without_keys_uses_a_throwaway_key(make_auth: AuthFactory) -> None:
    async with make_auth(SIGNING_KEY_FILES="") as auth:
        _, token = await auth.user("alice@example.com")
        jwks = (await auth.client.get("/auth/.well-known/jwks.json")).json()
        assert len(jwks["keys"]) == 1
        me = await auth.client.get("/auth/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200


def test_env_values_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNING_KEY_FILES", "/a.pem, /b.pem")
    monkeypatch.setenv("CORS_ORIGINS", "https://x.example,https://y.example")
    monkeypatch.setenv("REFRESH_TOKEN_TTL_DAYS", "7")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/auth")
    loaded = Settings()
    assert [Path("/a.pem"), Path("/b.pem")] == loaded.SIGNING_KEY_FILES
    assert loaded.CORS_ORIGINS == ["https://x.example", "https://y.example"]
    assert loaded.REFRESH_TOKEN_TTL_DAYS == 7
    assert loaded.async_database_url == "postgresql+asyncpg://u:p@db:5432/auth"
