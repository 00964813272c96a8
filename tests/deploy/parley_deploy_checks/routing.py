"""One shape for the routing of the file provider and of the Kubernetes CRDs, to compare them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Route:
    """A router as both worlds can say it: match rule, priority, middlewares, upstream."""

    rule: str
    priority: int
    middlewares: tuple[str, ...]
    service: str
    port: int


def file_routes(dynamic: dict[str, Any]) -> set[Route]:
    """Routes of a file-provider dynamic config (service ports from the server URLs)."""
    http = dynamic["http"]
    routes: set[Route] = set()
    for router in http["routers"].values():
        service = router["service"]
        ports = {
            urlsplit(s["url"]).port for s in http["services"][service]["loadBalancer"]["servers"]
        }
        assert len(ports) == 1, f"service {service} has servers on several ports: {ports}"
        routes.add(
            Route(
                rule=router["rule"],
                priority=router["priority"],
                middlewares=tuple(router.get("middlewares", [])),
                service=service,
                port=int(ports.pop() or 80),
            )
        )
    return routes


def file_middlewares(dynamic: dict[str, Any]) -> dict[str, dict[str, Any]]:
    middlewares: dict[str, dict[str, Any]] = dynamic["http"]["middlewares"]
    return middlewares


def _kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        d for d in docs if d.get("apiVersion", "").startswith("traefik.io/") and d["kind"] == kind
    ]


def crd_routes(docs: list[dict[str, Any]]) -> set[Route]:
    """Routes of every IngressRoute among ``docs`` (one upstream Service per route)."""
    routes: set[Route] = set()
    for ingress in _kind(docs, "IngressRoute"):
        for route in ingress["spec"]["routes"]:
            assert route["kind"] == "Rule"
            (service,) = route["services"]
            routes.add(
                Route(
                    rule=route["match"],
                    priority=route["priority"],
                    middlewares=tuple(m["name"] for m in route.get("middlewares", [])),
                    service=service["name"],
                    port=int(service["port"]),
                )
            )
    return routes


def crd_middlewares(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m["spec"] for m in _kind(docs, "Middleware")}
