"""Fixtures shared by the benchmark's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def machine() -> dict[str, object]:
    """The machine block of a report, as parley-bench writes it."""
    return {
        "when": "now",
        "commit": "abc",
        "cpu": "x",
        "cores": 2,
        "memory_gb": 1,
        "load_at_start": "0",
        "os": "Linux",
        "python": "3.11",
    }
