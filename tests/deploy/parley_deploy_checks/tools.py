"""Where the repository and the validators (installed from PyPI into this venv) are."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from parley_devstack.stack import executable

REPO_ROOT = Path(__file__).resolve().parents[3]
OVERLAYS = sorted(
    p.name for p in (REPO_ROOT / "deploy" / "k8s" / "overlays").iterdir() if p.is_dir()
)


def run_tool(name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [executable(name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO_ROOT,
    )


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    return data


def load_yaml_all(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]
