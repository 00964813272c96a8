"""Signed device cookies (OWASP "device cookies"): a browser that signed in to an account before."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from parley_auth.config import Settings

DEVICE_COOKIE = "parley_device"
# token_urlsafe(18): 24 characters, 144 random bits; the throttle's key column holds 64.
DEVICE_ID_BYTES = 18
MAX_DEVICE_ID_LENGTH = 64


def session_secret(settings: Settings) -> bytes:
    """SESSION_SECRET, or in development without it a random key for this process only."""
    value = settings.SESSION_SECRET.get_secret_value()
    # Production refuses an unset secret at start; elsewhere a per-process key still keeps
    # device cookies and refresh successors unforgeable, just not shared across replicas.
    return value.encode() if value else secrets.token_bytes(32)


class DeviceCookies:
    """Issues ``<device id>.<HMAC(device id, account key)>`` and checks it for one account."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _signature(self, device_id: str, account_key: str) -> str:
        message = f"parley-device\0{device_id}\0{account_key}".encode()
        mac = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def issue(self, account_key: str) -> str:
        """A cookie value for a new device id, bound to ``account_key``."""
        device_id = secrets.token_urlsafe(DEVICE_ID_BYTES)
        return f"{device_id}.{self._signature(device_id, account_key)}"

    def device_for(self, cookie: str | None, account_key: str) -> str | None:
        """The device id in ``cookie`` when it was issued for ``account_key``, else None."""
        if not cookie:
            return None
        device_id, _, signature = cookie.partition(".")
        if not device_id or len(device_id) > MAX_DEVICE_ID_LENGTH:
            return None
        expected = self._signature(device_id, account_key)
        return device_id if hmac.compare_digest(expected.encode(), signature.encode()) else None
