"""Every Dockerfile passes hadolint; ours are multi-stage, uv-built, slim and non-root."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from parley_deploy_checks import REPO_ROOT, run_tool

ALL_DOCKERFILES = sorted(REPO_ROOT.glob("services/*/Dockerfile"))
PYTHON_SERVICES = [p for p in ALL_DOCKERFILES if p.parent.name in {"auth", "chat", "llm-stub"}]


def test_each_python_service_has_a_dockerfile() -> None:
    assert {p.parent.name for p in PYTHON_SERVICES} == {"auth", "chat", "llm-stub"}


@pytest.mark.parametrize("dockerfile", ALL_DOCKERFILES, ids=lambda p: p.parent.name)
def test_hadolint_passes(dockerfile: Path) -> None:
    result = run_tool("hadolint", str(dockerfile))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", PYTHON_SERVICES, ids=lambda p: p.parent.name)
def test_image_is_multi_stage_uv_slim_and_non_root(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    stages = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert len(stages) >= 2
    assert all("slim" in image for image in stages)
    assert "uv sync --frozen --no-dev" in text
    final = text.split("\nFROM ")[-1]
    assert re.search(r"^USER\s+(?!0\b|root\b)\S+", final, flags=re.MULTILINE)
    # The runtime stage takes only the built virtualenv, never the sources or a key.
    assert "COPY . ." not in final and ".pem" not in text


# Node majors in (active or maintenance) LTS; 20 left maintenance in April 2026.
SUPPORTED_NODE_MAJORS = {22, 24}


def test_web_image_runs_a_supported_node_lts_that_package_json_allows() -> None:
    web = REPO_ROOT / "services" / "web"
    stages = re.findall(r"^FROM\s+node:(\d+)-\S*slim", (web / "Dockerfile").read_text(), re.M)
    assert stages and len(set(stages)) == 1, "every stage builds and runs on one Node version"
    major = int(stages[0])
    assert major in SUPPORTED_NODE_MAJORS
    engines = json.loads((web / "package.json").read_text())["engines"]["node"]
    lock = json.loads((web / "package-lock.json").read_text())["packages"][""]["engines"]["node"]
    assert engines == lock
    # The image's Node is allowed; the end-of-life 20 is not.
    assert node_range_allows(engines, major)
    assert not node_range_allows(engines, 20), engines


def node_range_allows(spec: str, major: int) -> bool:
    """Whether an engines range made of `^X.y.z` / `>=X.y.z` alternatives admits ``major``."""
    for part in spec.split("||"):
        match = re.fullmatch(r"\s*(\^|>=)\s*(\d+)(\.\d+)*\s*", part)
        assert match, f"unexpected engines range {spec!r}"
        low = int(match.group(2))
        if (match.group(1) == "^" and low == major) or (match.group(1) == ">=" and low <= major):
            return True
    return False
