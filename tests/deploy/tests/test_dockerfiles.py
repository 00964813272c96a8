"""Every Dockerfile passes hadolint; ours are multi-stage, uv-built, slim and non-root."""

from __future__ import annotations

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
