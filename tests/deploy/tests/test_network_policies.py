"""The NetworkPolicies of each overlay, as a graph: who may open a connection to whom."""

from __future__ import annotations

from typing import Any

import pytest
from parley_deploy_checks import OVERLAYS
from parley_deploy_checks.netpol import Pod, may_connect

NAMESPACES = {"dev": "parley-dev", "prod": "parley"}


def pods(overlay: str) -> dict[str, Pod]:
    namespace = NAMESPACES[overlay]

    def ours(name: str) -> Pod:
        return Pod(name, namespace, {"app.kubernetes.io/name": name})

    return {
        "traefik": Pod("traefik", "traefik", {"app.kubernetes.io/name": "traefik"}),
        "auth": ours("auth"),
        "chat": ours("chat"),
        "web": ours("web"),
        "migrate": ours("parley-migrate"),
        "postgres": ours("postgres"),
        "llm-stub": ours("llm-stub"),
        # A pod someone else runs in our namespace, and one in another namespace.
        "intruder": ours("intruder"),
        "elsewhere": Pod("elsewhere", "default", {"app.kubernetes.io/name": "traefik"}),
        "dns": Pod("dns", "kube-system", {"k8s-app": "kube-dns"}),
        "internet": Pod("internet", None),
    }


def policies_of(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == "NetworkPolicy"]


# (source, target, port) that must be possible; every other pair below must not be.
COMMON = {
    ("traefik", "auth", 8001),
    ("traefik", "chat", 8002),
    ("traefik", "web", 3000),
    ("chat", "auth", 8001),  # the account-changes feed
    ("auth", "internet", 587),  # SMTP
    ("auth", "internet", 443),  # OpenID Providers (single sign-on)
    ("chat", "internet", 443),  # the LLM
    *((name, "dns", 53) for name in ("auth", "chat", "web", "migrate")),
}
DATABASE = {("auth", 5432), ("chat", 5432), ("migrate", 5432)}
EXPECTED = {
    "prod": COMMON | {(s, "internet", p) for s, p in DATABASE},
    "dev": COMMON | {(s, "postgres", p) for s, p in DATABASE} | {("chat", "llm-stub", 8090)},
}
EXTERNAL_PORTS = {"auth": {5432, 587, 465, 25, 443}, "chat": {5432, 443}, "migrate": {5432}}
PORTS = [8001, 8002, 3000, 5432, 8090, 587, 465, 25, 443, 53, 80]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_listed_connections_are_allowed(
    overlay: str, overlay_docs: dict[str, list[dict[str, Any]]]
) -> None:
    policies = policies_of(overlay_docs[overlay])
    everyone = pods(overlay)
    in_overlay = {d["metadata"]["name"] for d in overlay_docs[overlay] if d["kind"] != "Service"}
    present = {
        name
        for name, pod in everyone.items()
        if pod.namespace != NAMESPACES[overlay]
        or name in {"intruder", "migrate"}
        or pod.name in in_overlay
    }
    allowed = {
        (source, target, port)
        for source in present
        for target in present
        if source != target and everyone[source].namespace is not None
        for port in PORTS
        if everyone[source].namespace == NAMESPACES[overlay]
        or everyone[target].namespace == NAMESPACES[overlay]
        if may_connect(policies, everyone[source], everyone[target], port)
    }
    assert allowed >= EXPECTED[overlay], EXPECTED[overlay] - allowed
    # Beyond those: only egress by port to addresses outside the namespace (the external
    # PostgreSQL, SMTP servers and the LLM API have no address known to the manifests).
    namespace = NAMESPACES[overlay]
    extra = {
        (s, t, p)
        for s, t, p in allowed - EXPECTED[overlay]
        if not (everyone[t].namespace != namespace and p in EXTERNAL_PORTS.get(s, set()))
        and (t, p) != ("dns", 53)  # every pod may resolve names
    }
    assert not extra, sorted(extra)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_namespace_denies_by_default(
    overlay: str, overlay_docs: dict[str, list[dict[str, Any]]]
) -> None:
    policies = policies_of(overlay_docs[overlay])
    everyone = pods(overlay)
    intruder = everyone["intruder"]
    for target in ("auth", "chat", "web", "postgres", "llm-stub"):
        for port in PORTS:
            assert not may_connect(policies, intruder, everyone[target], port), (target, port)
            assert not may_connect(policies, everyone["elsewhere"], everyone[target], port)
    # Reaching out of a pod nobody listed: DNS only.
    assert may_connect(policies, intruder, everyone["dns"], 53)
    assert not may_connect(policies, intruder, everyone["internet"], 443)
    assert not may_connect(policies, everyone["web"], everyone["internet"], 443)
    assert not may_connect(policies, everyone["web"], everyone["auth"], 8001)
    # Chat reaches auth (the account-changes feed) on auth's port only.
    assert may_connect(policies, everyone["chat"], everyone["auth"], 8001)
    assert not may_connect(policies, everyone["chat"], everyone["auth"], 5432)


def test_database_is_reached_only_by_auth_chat_and_the_migration(
    overlay_docs: dict[str, list[dict[str, Any]]],
) -> None:
    policies = policies_of(overlay_docs["dev"])
    everyone = pods("dev")
    reach = {
        name
        for name, pod in everyone.items()
        if name != "postgres" and may_connect(policies, pod, everyone["postgres"], 5432)
    }
    assert reach == {"auth", "chat", "migrate"}
