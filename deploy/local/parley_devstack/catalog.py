"""The dev catalog: with the stub and no MODELS_FILE of your own, `make dev` offers two models
(both answered by the one stub, which names the model asked for), so the web client's model
picker has something to pick."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

STUB_PROVIDER = "stub"
# Read by chat from its own environment: the launcher sets LLM_API_KEY for the stub, which
# checks nothing (the OpenAI client insists on some key).
STUB_KEY_ENV = "LLM_API_KEY"


def stub_catalog(base_url: str) -> dict[str, Any]:
    """The catalog file's content (MODELS_FILE format): one stub provider, two models."""
    return {
        "providers": [
            {
                "id": STUB_PROVIDER,
                "kind": "other",
                "base_url": base_url,
                "api_key_env": STUB_KEY_ENV,
                "timeout_seconds": 60,
                "max_retries": 1,
            }
        ],
        "models": [
            {
                "id": "parley-stub",
                "provider": STUB_PROVIDER,
                "display_name": "Parley stub",
                "context_tokens": 32768,
                "max_output_tokens": 1024,
                "default": True,
            },
            {
                "id": "parley-stub-large",
                "provider": STUB_PROVIDER,
                "display_name": "Parley stub large",
                "context_tokens": 131072,
                "max_output_tokens": 4096,
            },
        ],
    }


def write_stub_catalog(path: Path, base_url: str) -> Path:
    """Writes the dev catalog for the stub at ``base_url`` (rewritten each start: ports change)."""
    header = "# Written by parley-dev at each start (the stub's port may change); set MODELS_FILE\n"
    header += "# to a catalog of your own to use it instead.\n"
    path.write_text(header + yaml.safe_dump(stub_catalog(base_url), sort_keys=False))
    return path
