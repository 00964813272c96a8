"""The Kubernetes manifests build, validate, and keep the promised shape and routing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from parley_deploy_checks import (
    OVERLAYS,
    REPO_ROOT,
    crd_middlewares,
    crd_routes,
    file_middlewares,
    file_routes,
    load_yaml,
    load_yaml_all,
    run_tool,
)

DYNAMIC = REPO_ROOT / "gateway" / "dynamic" / "parley.yml"


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = doc["spec"]["template"]["spec"]
    return spec


def test_there_are_dev_and_prod_overlays() -> None:
    assert {"dev", "prod"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_passes_strict_schema_validation(
    overlay: str, built_overlays: dict[str, str], tmp_path: Path
) -> None:
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(built_overlays[overlay])
    result = run_tool("kubernetes-validate", "--strict", str(manifest))
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "ERROR" not in output
    # Only the Traefik CRDs lack a schema; their fields are checked against the file provider.
    skipped = [line for line in output.splitlines() if "Couldn't find schema" in line]
    assert skipped and all("traefik.io/" in line for line in skipped)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workloads_are_non_root_read_only_with_limits(
    overlay: str, overlay_docs: dict[str, list[dict[str, Any]]]
) -> None:
    docs = overlay_docs[overlay]
    workloads = [d for d in docs if d["kind"] in {"Deployment", "StatefulSet", "Job"}]
    assert workloads
    for workload in workloads:
        spec = pod_spec(workload)
        name = workload["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            ctx = container["securityContext"]
            assert ctx["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert ctx["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert ctx["capabilities"]["drop"] == ["ALL"], (name, container["name"])
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            if workload["kind"] != "Job":
                assert "livenessProbe" in container and "readinessProbe" in container, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscalers_disruption_budgets_and_services(
    overlay: str, overlay_docs: dict[str, list[dict[str, Any]]]
) -> None:
    docs = overlay_docs[overlay]
    deployments = by_kind(docs, "Deployment")
    assert {"auth", "chat", "web"} <= set(deployments)
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {"auth", "chat"}
    pdbs = by_kind(docs, "PodDisruptionBudget")
    assert {"auth", "chat", "web"} <= set(pdbs)
    services = by_kind(docs, "Service")
    for name in ("auth", "chat", "web"):
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert services[name]["spec"]["selector"].items() <= labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_signing_key_is_mounted_into_auth_only(
    overlay: str, overlay_docs: dict[str, list[dict[str, Any]]]
) -> None:
    docs = overlay_docs[overlay]
    users: dict[str, set[str]] = {}
    for workload in (d for d in docs if d["kind"] in {"Deployment", "StatefulSet", "Job"}):
        for volume in pod_spec(workload).get("volumes", []):
            if "secret" in volume:
                users.setdefault(volume["secret"]["secretName"], set()).add(
                    workload["metadata"]["name"]
                )
    assert users.get("parley-auth-signing-key") == {"auth"}
    chat_volumes = pod_spec(by_kind(docs, "Deployment")["chat"])["volumes"]
    assert {"name": "parley-auth-jwks"} in [v.get("configMap") for v in chat_volumes]
    migrate = by_kind(docs, "Job")["parley-migrate"]
    assert [
        c["args"] for c in pod_spec(migrate)["initContainers"] + pod_spec(migrate)["containers"]
    ] == [
        ["migrate"],
        ["migrate"],
    ]


def test_database_is_external_in_prod_and_a_statefulset_in_dev(
    overlay_docs: dict[str, list[dict[str, Any]]],
) -> None:
    assert "postgres" not in by_kind(overlay_docs["prod"], "StatefulSet")
    assert "parley-database" not in by_kind(overlay_docs["prod"], "Secret")  # made by the operator
    dev_db = by_kind(overlay_docs["dev"], "StatefulSet")["postgres"]
    assert dev_db["spec"]["replicas"] == 1
    for overlay in ("dev", "prod"):
        auth = pod_spec(by_kind(overlay_docs[overlay], "Deployment")["auth"])["containers"][0]
        (db_env,) = [e for e in auth["env"] if e["name"] == "DATABASE_URL"]
        assert db_env["valueFrom"]["secretKeyRef"]["name"].startswith("parley-database")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_routes_match_the_file_provider(
    overlay: str, overlay_docs: dict[str, list[dict[str, Any]]]
) -> None:
    """Kept in step: the IngressRoute says what gateway/dynamic/parley.yml says."""
    docs = overlay_docs[overlay]
    dynamic = load_yaml(DYNAMIC)
    assert crd_routes(docs) == file_routes(dynamic)
    assert crd_middlewares(docs) == file_middlewares(dynamic)
    # Every routed Service exists and exposes the port the route names.
    services = by_kind(docs, "Service")
    for route in crd_routes(docs):
        assert route.port in [p["port"] for p in services[route.service]["spec"]["ports"]]
    (ingress,) = [d for d in docs if d["kind"] == "IngressRoute"]
    assert ingress["spec"]["entryPoints"] == ["websecure"]


def test_api_rule_does_not_catch_lookalike_paths() -> None:
    routes = file_routes(load_yaml(DYNAMIC))
    api = [r for r in routes if r.service == "chat"]
    assert [r.rule for r in api] == ["Path(`/api`) || PathPrefix(`/api/`)"]


def test_routes_are_served_over_tls_only() -> None:
    (ingress,) = [
        d
        for d in load_yaml_all((REPO_ROOT / "deploy" / "k8s" / "base" / "ingress.yaml").read_text())
        if d["kind"] == "IngressRoute"
    ]
    assert ingress["spec"]["entryPoints"] == ["websecure"]
    assert ingress["spec"]["tls"]["secretName"] == "parley-tls"


def test_traefik_values_redirect_to_tls_and_share_one_trusted_proxy_list() -> None:
    path = REPO_ROOT / "deploy" / "k8s" / "traefik-values.yaml"
    values = load_yaml(path)
    ports = values["ports"]
    assert ports["web"]["redirections"]["entryPoint"] == {
        "to": "websecure",
        "scheme": "https",
        "permanent": True,
    }
    assert ports["websecure"]["tls"]["enabled"] is True
    assert ports["websecure"]["exposedPort"] == 443 and ports["websecure"]["port"] == 8443
    assert ports["websecure"]["transport"] == ports["web"]["transport"]  # streams are not cut
    # One list (the YAML anchor &trustedProxies) feeds both entrypoints' headers and PROXY.
    text = "\n".join(
        line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")
    )
    assert text.count("&trustedProxies") == 1 and text.count("*trustedProxies") == 3
    lists = [
        ports[name][kind]["trustedIPs"]
        for name in ("web", "websecure")
        for kind in ("forwardedHeaders", "proxyProtocol")
    ]
    assert all(trusted == lists[0] for trusted in lists)
    assert "traefik" not in ports or "forwardedHeaders" not in ports["traefik"]
