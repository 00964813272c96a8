"""`parley-dev` with the stub offers two models (a catalog file it writes), so the web client's
model picker shows; a MODELS_FILE of your own, a real LLM or the system tests' stacks get none."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from parley_devstack.config import DevSettings
from parley_devstack.stack import chat_models_env


@pytest.fixture(autouse=True)
def _no_llm_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own LLM settings must not change what these tests see."""
    for name in ("MODELS_FILE", "LLM_BASE_URL", "LLM_MODEL", "LLM_STUB_PORT", "BIND_HOST"):
        monkeypatch.delenv(name, raising=False)


def settings(tmp_path: Path, **values: object) -> DevSettings:
    fields: dict[str, object] = {"data_dir": tmp_path, "llm_stub_port": 18090, **values}
    return DevSettings(_env_file=None, **fields)  # type: ignore[call-arg, arg-type]


def test_dev_stack_with_the_stub_gets_two_stub_models(tmp_path: Path) -> None:
    env = chat_models_env(settings(tmp_path), stub_models=True, log=lambda _: None)
    path = Path(env["MODELS_FILE"])
    assert path == tmp_path / "models.yaml"
    catalog = yaml.safe_load(path.read_text())
    [provider] = catalog["providers"]
    assert provider["base_url"] == "http://127.0.0.1:18090/v1"
    assert provider["api_key_env"] == "LLM_API_KEY"  # the launcher gives chat the stub's key
    models = {m["id"]: m for m in catalog["models"]}
    assert list(models) == ["parley-stub", "parley-stub-large"]
    assert [m["display_name"] for m in models.values()] == ["Parley stub", "Parley stub large"]
    assert [m.get("default", False) for m in models.values()] == [True, False]
    assert {m["provider"] for m in models.values()} == {provider["id"]}


def test_the_catalog_follows_the_stub_port_on_each_start(tmp_path: Path) -> None:
    chat_models_env(settings(tmp_path), stub_models=True, log=lambda _: None)
    moved = settings(tmp_path, llm_stub_port=18190)
    env = chat_models_env(moved, stub_models=True, log=lambda _: None)
    catalog = yaml.safe_load(Path(env["MODELS_FILE"]).read_text())
    assert catalog["providers"][0]["base_url"] == "http://127.0.0.1:18190/v1"


def test_own_catalog_real_llm_or_test_stacks_get_no_dev_catalog(tmp_path: Path) -> None:
    own = tmp_path / "mine.yaml"
    assert chat_models_env(settings(tmp_path, models_file=own), True, print) == {
        "MODELS_FILE": str(own)
    }
    real = settings(tmp_path, llm_base_url="http://127.0.0.1:11434/v1")
    assert chat_models_env(real, True, print) == {}
    assert chat_models_env(settings(tmp_path, llm_model="my-model"), True, print) == {}
    assert chat_models_env(settings(tmp_path), False, print) == {}  # prepare_stack's default
    assert not (tmp_path / "models.yaml").exists()
