"""Secrets of the local stack: generated once, kept next to the dev keys (mode 0600).

Nothing public can forge a reset or verification link for a `make dev` stack, and the values
survive restarts, so mailed links and device cookies keep working across them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRETS_FILE = "dev-secrets.env"
AUTH_SECRETS = (
    "RESET_PASSWORD_TOKEN_SECRET",
    "VERIFICATION_TOKEN_SECRET",
    "SESSION_SECRET",
    "SERVICE_TOKEN",
)


def _read(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() in AUTH_SECRETS and value.strip():
            values[name.strip()] = value.strip()
    return values


def ensure_dev_secrets(keys_dir: Path) -> dict[str, str]:
    """The stack's secrets from ``keys_dir``/dev-secrets.env, adding any that are missing."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    path = keys_dir / SECRETS_FILE
    values = _read(path) if path.exists() else {}
    missing = [name for name in AUTH_SECRETS if name not in values]
    if missing:
        values.update({name: secrets.token_urlsafe(32) for name in missing})
        text = "".join(f"{name}={values[name]}\n" for name in AUTH_SECRETS)
        # Created with 0600 from the start: never readable by others, not even for a moment.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(text)
    path.chmod(0o600)
    return {name: values[name] for name in AUTH_SECRETS}
