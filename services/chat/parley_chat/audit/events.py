"""Who made a change and from where, as auth's audit log records it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

# The audit log's column sizes (auth's audit_events table).
MAX_CLIENT_IP = 64
MAX_USER_AGENT = 300


@dataclass(frozen=True)
class Actor:
    id: str  # the token's subject
    email: str | None  # the token's ``email`` claim, when it has one


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None  # after the proxy middleware: the client's, when the gateway forwarded it
    user_agent: str | None


@dataclass(frozen=True)
class Caller:
    """The actor of an admin request and the client it came from."""

    actor: Actor
    client: ClientInfo


def client_info(request: Request) -> ClientInfo:
    """The request's client address (``ProxyHeadersMiddleware`` already applied the
    gateway's X-Forwarded-For) and user agent, cut to what the audit log keeps."""
    ip = request.client.host[:MAX_CLIENT_IP] if request.client else None
    agent = request.headers.get("user-agent")
    return ClientInfo(ip or None, agent[:MAX_USER_AGENT] if agent else None)
