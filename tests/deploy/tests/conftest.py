"""Shared fixtures: kustomize output of each overlay, built once per session."""

from __future__ import annotations

from typing import Any

import pytest
from parley_deploy_checks import OVERLAYS, load_yaml_all, run_tool


@pytest.fixture(scope="session")
def built_overlays() -> dict[str, str]:
    """`kubectl kustomize` output of every overlay (fails the test on a build error)."""
    built: dict[str, str] = {}
    for overlay in OVERLAYS:
        result = run_tool("kubectl", "kustomize", f"deploy/k8s/overlays/{overlay}")
        assert result.returncode == 0, f"kustomize {overlay} failed:\n{result.stderr}"
        built[overlay] = result.stdout
    return built


@pytest.fixture(scope="session")
def overlay_docs(built_overlays: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    return {name: load_yaml_all(text) for name, text in built_overlays.items()}
