"""MODELS_FILE: a good file becomes the catalog; a bad one refuses the start, naming the entry."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from parley_chat.app import create_app
from parley_chat.catalog.file import CatalogFileError, load_catalog_file, parse_catalog
from parley_testing import TestKey as Key

from .conftest import running_chat

GOOD = """
providers:
  - id: openai
    kind: openai
    base_url: https://api.openai.com/v1
    api_key_env: OPENAI_API_KEY
    timeout_seconds: 30
  - id: ollama
    kind: ollama
    base_url: http://ollama:11434/v1
  - id: vllm
    kind: vllm
    base_url: http://vllm:8000/v1
    api_key_file: {key_file}
    max_retries: 0
models:
  - id: gpt-4o-mini
    provider: openai
    display_name: GPT-4o mini
    context_tokens: 128000
    max_output_tokens: 4096
    input_price_per_million: 0.15
    output_price_per_million: 0.60
  - id: llama3
    provider: ollama
    upstream: llama3.1:8b
    context_tokens: 8192
    max_output_tokens: 1024
    default: true
  - id: qwen
    provider: vllm
    upstream: Qwen/Qwen2.5-7B-Instruct
    context_tokens: 32768
    max_output_tokens: 2048
    groups: [research]
"""

PROVIDER = "providers:\n  - {entry}\nmodels: []\n"
MODEL = (
    "providers:\n  - {{id: p, base_url: 'http://p/v1'}}\n"
    "models:\n  - {{id: m0, provider: p, context_tokens: 100, max_output_tokens: 10}}\n"
    "  - {entry}\n"
)


def _catalog(text: str, environ: dict[str, str] | None = None) -> Any:
    return parse_catalog(textwrap.dedent(text), "MODELS_FILE test.yaml", environ or {})


def test_a_good_file_gives_its_providers_models_keys_and_defaults(tmp_path: Path) -> None:
    key_file = tmp_path / "vllm.key"
    key_file.write_text("vllm-secret\n")
    path = tmp_path / "models.yaml"
    path.write_text(GOOD.format(key_file=key_file))
    snapshot = load_catalog_file(str(path), {"OPENAI_API_KEY": "sk-openai"})
    openai, ollama, vllm = (snapshot.providers[p] for p in ("openai", "ollama", "vllm"))
    assert (openai.api_key, openai.key_source, openai.timeout_seconds) == ("sk-openai", "env", 30)
    assert (ollama.api_key, ollama.key_source, ollama.connect_timeout_seconds) == (None, "none", 10)
    assert (vllm.api_key, vllm.key_source, vllm.max_retries) == ("vllm-secret", "file", 0)
    assert list(snapshot.models) == ["gpt-4o-mini", "llama3", "qwen"]
    gpt, llama, qwen = snapshot.models.values()
    assert (gpt.upstream, gpt.display_name, gpt.output_price_per_million) == (
        "gpt-4o-mini",
        "GPT-4o mini",
        0.60,
    )
    assert (llama.upstream, llama.display_name) == ("llama3.1:8b", "llama3")
    assert (qwen.upstream, qwen.groups) == ("Qwen/Qwen2.5-7B-Instruct", frozenset({"research"}))
    assert snapshot.default_model is llama
    assert {m.source for m in snapshot.models.values()} == {"file"}
    assert [m.id for m in snapshot.available_to(set())] == ["gpt-4o-mini", "llama3"]
    assert [m.id for m in snapshot.available_to({"research"})] == ["gpt-4o-mini", "llama3", "qwen"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PROVIDER.format(entry="{id: Open AI, base_url: 'http://x/v1'}"), r"providers\[0\].*id"),
        (PROVIDER.format(entry="{id: p, kind: gemini, base_url: 'http://x'}"), "p'.*kind"),
        (PROVIDER.format(entry="{id: p}"), r"providers\[0\] \(id 'p'\): base_url: Field required"),
        (PROVIDER.format(entry="{id: p, base_url: 'ftp://x'}"), "base_url"),
        (PROVIDER.format(entry="{id: p, base_url: 'http://x', api_key: sk}"), "api_key: Extra"),
        (
            PROVIDER.format(entry="{id: p, base_url: 'http://x', api_key_env: K, api_key_file: /}"),
            "not both",
        ),
        (PROVIDER.format(entry="{id: p, base_url: 'http://x', timeout_seconds: 0}"), "timeout"),
        (
            PROVIDER.format(entry="{id: p, base_url: 'http://x', api_key_env: MISSING_KEY}"),
            r"\(id 'p'\): api_key_env MISSING_KEY is not set",
        ),
        (
            PROVIDER.format(entry="{id: p, base_url: 'http://x', api_key_file: /nonexistent/k}"),
            r"\(id 'p'\): api_key_file /nonexistent/k cannot be read",
        ),
        (
            "providers:\n  - {id: p, base_url: 'http://x'}\n  - {id: p, base_url: 'http://y'}\n",
            r"providers\[1\] \(id 'p'\): provider id 'p' appears twice",
        ),
        (
            MODEL.format(entry="{id: m, provider: q, context_tokens: 100, max_output_tokens: 10}"),
            r"models\[1\] \(id 'm'\): provider 'q' is not in the file",
        ),
        (
            MODEL.format(entry="{id: m0, provider: p, context_tokens: 100, max_output_tokens: 9}"),
            "model id 'm0' appears twice",
        ),
        (
            MODEL.format(entry="{id: m, provider: p, context_tokens: 100, max_output_tokens: 100}"),
            r"\(id 'm'\).*max_output_tokens must be less than context_tokens",
        ),
        (MODEL.format(entry="{id: m, provider: p, max_output_tokens: 10}"), "context_tokens"),
        (
            MODEL.format(
                entry="{id: m, provider: p, context_tokens: 9, max_output_tokens: 1, grups: []}"
            ),
            r"\(id 'm'\): grups: Extra inputs are not permitted",
        ),
        (
            "providers:\n  - {id: p, base_url: 'http://p/v1'}\nmodels:\n"
            "  - {id: a, provider: p, context_tokens: 9, max_output_tokens: 1, default: true}\n"
            "  - {id: b, provider: p, context_tokens: 9, max_output_tokens: 1, default: true}\n",
            r"several enabled models are the default: \['a', 'b'\]",
        ),
        ("providers: {id: p}\n", "providers must be a list"),
        ("model:\n  - {}\n", r"unknown sections \['model'\]"),
        ("providers: [\n", "not valid YAML"),
        ("", "expected a mapping"),
    ],
)
def test_each_kind_of_bad_entry_is_refused_naming_it(text: str, expected: str) -> None:
    with pytest.raises(CatalogFileError, match=expected) as refused:
        _catalog(text)
    assert str(refused.value).startswith("MODELS_FILE test.yaml")


def test_a_disabled_model_marked_default_does_not_count() -> None:
    snapshot = _catalog(
        "providers:\n  - {id: p, base_url: 'http://p/v1'}\nmodels:\n"
        "  - {id: a, provider: p, context_tokens: 9, max_output_tokens: 1, default: true,"
        " enabled: false}\n"
        "  - {id: b, provider: p, context_tokens: 9, max_output_tokens: 1, default: true}\n"
    )
    assert snapshot.default_model.id == "b"


def test_a_missing_file_is_named() -> None:
    with pytest.raises(CatalogFileError, match=r"MODELS_FILE /nonexistent/models.yaml cannot"):
        load_catalog_file("/nonexistent/models.yaml")


async def test_a_replica_serves_the_file_and_not_the_shortcut(
    make_settings: Any, signing_key: Key, tmp_path: Path, stub: Any
) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(
        f"providers:\n  - {{id: stub, kind: other, base_url: '{stub.base_url}'}}\nmodels:\n"
        "  - {id: small, provider: stub, display_name: Small, context_tokens: 8192,"
        " max_output_tokens: 512}\n"
        "  - {id: large, provider: stub, context_tokens: 65536, max_output_tokens: 4096,"
        " default: true}\n"
    )
    async with running_chat(make_settings(MODELS_FILE=str(path)), signing_key) as chat:
        response = await chat.http.get("/api/models", headers=chat.user().headers)
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": "small",
                "display_name": "Small",
                "context_tokens": 8192,
                "max_output_tokens": 512,
                "default": False,
            },
            {
                "id": "large",
                "display_name": "large",
                "context_tokens": 65536,
                "max_output_tokens": 4096,
                "default": True,
            },
        ],
        "default_model": "large",
    }


async def test_a_replica_with_a_bad_file_refuses_to_start(
    make_settings: Any, tmp_path: Path
) -> None:
    path = tmp_path / "models.yaml"
    path.write_text("providers:\n  - {id: openai, base_url: 'http://x', api_key_env: NOPE_KEY}\n")
    app = create_app(make_settings(MODELS_FILE=str(path)))
    with pytest.raises(CatalogFileError, match=r"\(id 'openai'\): api_key_env NOPE_KEY is not"):
        async with LifespanManager(app):
            pass
