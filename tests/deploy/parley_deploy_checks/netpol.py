"""Who may reach whom under a set of NetworkPolicies (the subset Parley uses: matchLabels,
namespace and pod selectors, ports; no ipBlock, no matchExpressions, no named ports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Pod:
    """A pod (or, with namespace None, something outside the cluster)."""

    name: str
    namespace: str | None
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, f"unsupported selector {selector}"
    wanted: dict[str, str] = selector.get("matchLabels", {})
    return all(labels.get(k) == v for k, v in wanted.items())


def _peer_matches(peer: dict[str, Any], pod: Pod, policy_namespace: str) -> bool:
    assert set(peer) <= {"podSelector", "namespaceSelector"}, f"unsupported peer {peer}"
    if pod.namespace is None:
        return False  # only ipBlock peers (unused here) match outside the cluster
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": pod.namespace}
        if not _matches(peer["namespaceSelector"], namespace_labels):
            return False
    elif pod.namespace != policy_namespace:
        return False
    return _matches(peer.get("podSelector", {}), pod.labels)


def _port_matches(ports: list[dict[str, Any]] | None, port: int) -> bool:
    if not ports:
        return True
    return any(p.get("protocol", "TCP") == "TCP" and p.get("port") in (None, port) for p in ports)


def _allows(policies: list[dict[str, Any]], pod: Pod, direction: str, peer: Pod, port: int) -> bool:
    """Does ``pod``'s namespace let ``direction`` traffic with ``peer`` on ``port``?"""
    if pod.namespace is None:
        return True  # outside the cluster: not ours to restrict
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [
        p
        for p in policies
        if p["metadata"].get("namespace", pod.namespace) == pod.namespace
        and _matches(p["spec"]["podSelector"], pod.labels)
        and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not selecting:
        return True
    for policy in selecting:
        namespace = policy["metadata"].get("namespace", pod.namespace)
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(p, peer, namespace) for p in peers)
            if peer_ok and _port_matches(rule.get("ports"), port):
                return True
    return False


def may_connect(policies: list[dict[str, Any]], source: Pod, target: Pod, port: int) -> bool:
    """Both ends agree: the source's egress and the target's ingress allow it."""
    return _allows(policies, source, "Egress", target, port) and _allows(
        policies, target, "Ingress", source, port
    )
