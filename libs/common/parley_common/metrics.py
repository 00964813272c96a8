"""HTTP metrics every service exposes, in a registry of the app's own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class HttpMetrics:
    """``parley_<service>_http_*`` metrics; a service's own metrics extend this class.

    One registry per instance, so several apps in one process (tests) never collide.
    """

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            f"parley_{service}_http_requests_total",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            f"parley_{service}_http_request_duration_seconds",
            "HTTP request latency by method and route template (streams: until the end).",
            ["method", "route"],
            registry=self.registry,
        )
