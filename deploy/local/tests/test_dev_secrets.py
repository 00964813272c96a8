"""`make dev` makes its token secrets once, private to the developer, and keeps them."""

from __future__ import annotations

import stat
from pathlib import Path

from parley_devstack.secrets import AUTH_SECRETS, SECRETS_FILE, ensure_dev_secrets


def test_secrets_are_generated_once_private_and_distinct(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = ensure_dev_secrets(keys)
    assert set(first) == set(AUTH_SECRETS)
    assert len(set(first.values())) == len(AUTH_SECRETS)
    assert all(len(value) >= 32 for value in first.values())
    path = keys / SECRETS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_dev_secrets(keys) == first  # kept across restarts


def test_a_missing_secret_is_added_and_the_others_kept(tmp_path: Path) -> None:
    first = ensure_dev_secrets(tmp_path)
    path = tmp_path / SECRETS_FILE
    kept = [line for line in path.read_text().splitlines() if not line.startswith("SERVICE_")]
    path.write_text("\n".join(kept) + "\n")
    path.chmod(0o644)
    second = ensure_dev_secrets(tmp_path)
    assert second["SERVICE_TOKEN"] != first["SERVICE_TOKEN"]
    assert {k: v for k, v in second.items() if k != "SERVICE_TOKEN"} == {
        k: v for k, v in first.items() if k != "SERVICE_TOKEN"
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
