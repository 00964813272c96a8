"""API keys: the format and hash (secret.py), the request check (verify.py), last use written
in the background (last_use.py), the management rules (manage.py), API shapes (api.py)."""

from parley_chat.keys.last_use import LastUseFlusher
from parley_chat.keys.manage import ApiKeys, KeyRefusal
from parley_chat.keys.secret import KEY_PREFIX, looks_like_key
from parley_chat.keys.verify import INVALID_API_KEY, KeyRefused, KeyVerifier

__all__ = [
    "INVALID_API_KEY",
    "KEY_PREFIX",
    "ApiKeys",
    "KeyRefusal",
    "KeyRefused",
    "KeyVerifier",
    "LastUseFlusher",
    "looks_like_key",
]
