"""Offline checks of the deploy files: tool paths and a routing model shared by the tests."""

from parley_deploy_checks.routing import (
    Route,
    crd_middlewares,
    crd_routes,
    file_middlewares,
    file_routes,
)
from parley_deploy_checks.tools import OVERLAYS, REPO_ROOT, load_yaml, load_yaml_all, run_tool

__all__ = [
    "OVERLAYS",
    "REPO_ROOT",
    "Route",
    "crd_middlewares",
    "crd_routes",
    "file_middlewares",
    "file_routes",
    "load_yaml",
    "load_yaml_all",
    "run_tool",
]
