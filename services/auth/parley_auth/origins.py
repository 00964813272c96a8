"""Which browser origins may use the refresh cookie: PUBLIC_BASE_URL's plus CORS_ORIGINS."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

from parley_auth.config import Settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case without a default port; None if not an origin."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    if port is None or port == DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


class AllowedOrigins:
    """Answers whether a cookie-carrying request comes from one of our own pages."""

    def __init__(self, settings: Settings) -> None:
        candidates = [settings.PUBLIC_BASE_URL, *settings.CORS_ORIGINS]
        self.origins = {o for o in map(normalise_origin, candidates) if o is not None}

    def allows(self, request: Request) -> bool:
        # Browsers send Origin on every cross-origin POST (and most same-origin ones); a request
        # without one comes from a non-browser client, which cannot be tricked into sending it.
        if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
            return False
        origin = request.headers.get("origin")
        if origin is None:
            return True
        return normalise_origin(origin) in self.origins
