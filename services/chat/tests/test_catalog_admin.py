"""The admin catalog API: admins only; file and shortcut entries read-only; bad bodies 422."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from parley_testing import TestKey as Key

from .catalog_support import headers, model_body, provider_body, visible_models
from .conftest import Chat, running_chat

SECRET = "fHBsfmPp6Hc5tVpbqTT7jHtMq5rkmmy6qvQpPqVdN6Q="  # a Fernet key, for tests only


@pytest.fixture
async def admin_chat(make_settings: Any, signing_key: Key) -> Any:
    async with running_chat(make_settings(CATALOG_SECRET_KEY=SECRET), signing_key) as chat:
        yield chat


async def _created(chat: Chat, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await chat.http.post(f"/api/admin/{kind}", json=body, headers=headers(chat, "admin"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/admin/providers"),
        ("POST", "/api/admin/providers"),
        ("GET", "/api/admin/providers/default"),
        ("PATCH", "/api/admin/providers/default"),
        ("DELETE", "/api/admin/providers/default"),
        ("GET", "/api/admin/models"),
        ("POST", "/api/admin/models"),
        ("PATCH", "/api/admin/models/stub-model"),
        ("DELETE", "/api/admin/models/stub-model"),
    ],
)
async def test_members_may_not_use_the_admin_api(chat: Chat, method: str, path: str) -> None:
    body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
    response = await chat.http.request(method, path, json=body, headers=headers(chat))
    assert (response.status_code, response.json()) == (403, {"detail": "admin only"})
    assert (await chat.http.get(path)).status_code == 401


async def test_an_admin_adds_a_provider_and_model_that_users_then_pick(
    admin_chat: Chat, stub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_API_KEY", "sk-local")
    provider = await _created(
        admin_chat, "providers", provider_body("local", stub.base_url, api_key_env="LOCAL_API_KEY")
    )
    assert provider == {
        "id": "local",
        "kind": "vllm",
        "base_url": stub.base_url,
        "key_source": "env",
        "api_key_set": True,
        "api_key_env": "LOCAL_API_KEY",
        "api_key_file": None,
        "timeout_seconds": 60.0,
        "connect_timeout_seconds": 10.0,
        "max_retries": 1,
        "enabled": True,
        "source": "api",
    }
    model = await _created(
        admin_chat,
        "models",
        model_body("qwen", "local", upstream="Qwen/Qwen2.5-7B", display_name="Qwen 7B"),
    )
    assert {k: model[k] for k in ("upstream", "display_name", "default", "usable", "source")} == {
        "upstream": "Qwen/Qwen2.5-7B",
        "display_name": "Qwen 7B",
        "default": False,
        "usable": True,
        "source": "api",
    }
    response = await admin_chat.http.get("/api/models", headers=headers(admin_chat))
    assert response.json() == {
        "items": [
            {
                "id": "stub-model",
                "display_name": "stub-model",
                "context_tokens": 32768,
                "max_output_tokens": 1024,
                "default": True,
            },
            {
                "id": "qwen",
                "display_name": "Qwen 7B",
                "context_tokens": 8192,
                "max_output_tokens": 1024,
                "default": False,
            },
        ],
        "default_model": "stub-model",
    }
    admin = headers(admin_chat, "admin")
    listed = (await admin_chat.http.get("/api/admin/providers", headers=admin)).json()
    assert [(p["id"], p["source"]) for p in listed["items"]] == [
        ("default", "settings"),
        ("local", "api"),
    ]
    assert (await admin_chat.http.get("/api/admin/models/qwen", headers=admin)).json() == model


async def test_the_default_the_disabled_and_the_groups(admin_chat: Chat, stub: Any) -> None:
    await _created(admin_chat, "providers", provider_body("local", stub.base_url))
    await _created(admin_chat, "models", model_body("a", "local"))
    await _created(admin_chat, "models", model_body("team", "local", groups=["research"]))
    admin = headers(admin_chat, "admin")
    # Marking a model default through the API moves the default off the LLM_* shortcut.
    patched = await admin_chat.http.patch(
        "/api/admin/models/a", json={"default": True}, headers=admin
    )
    assert patched.json()["default"] is True
    models = (await admin_chat.http.get("/api/models", headers=headers(admin_chat))).json()
    assert (models["default_model"], [m["id"] for m in models["items"]]) == (
        "a",
        ["stub-model", "a"],
    )
    assert await visible_models(admin_chat, groups=["research"]) == ["stub-model", "a", "team"]
    await admin_chat.http.patch("/api/admin/models/a", json={"enabled": False}, headers=admin)
    models = (await admin_chat.http.get("/api/models", headers=headers(admin_chat))).json()
    assert (models["default_model"], [m["id"] for m in models["items"]]) == (
        "stub-model",
        ["stub-model"],
    )
    await admin_chat.http.patch("/api/admin/models/a", json={"enabled": True}, headers=admin)
    await admin_chat.http.patch(
        "/api/admin/providers/local", json={"enabled": False}, headers=admin
    )
    assert await visible_models(admin_chat, groups=["research"]) == ["stub-model"]
    listed = (await admin_chat.http.get("/api/admin/models", headers=admin)).json()["items"]
    assert [(m["id"], m["usable"]) for m in listed] == [
        ("stub-model", True),
        ("a", False),
        ("team", False),
    ]


async def test_entries_of_the_file_or_shortcut_are_read_only(admin_chat: Chat) -> None:
    admin = headers(admin_chat, "admin")
    attempts = [
        ("PATCH", "/api/admin/models/stub-model", {"display_name": "Mine"}),
        ("DELETE", "/api/admin/models/stub-model", None),
        ("PATCH", "/api/admin/providers/default", {"enabled": False}),
        ("DELETE", "/api/admin/providers/default", None),
        ("POST", "/api/admin/providers", provider_body("default", "http://x/v1")),
        ("POST", "/api/admin/models", model_body("stub-model", "default")),
    ]
    for method, path, body in attempts:
        response = await admin_chat.http.request(method, path, json=body, headers=admin)
        assert (response.status_code, response.json()) == (409, {"detail": "managed_by_file"})
    assert await visible_models(admin_chat) == ["stub-model"]


async def test_a_provider_in_use_is_not_deleted_and_ids_are_unique(
    admin_chat: Chat, stub: Any
) -> None:
    admin = headers(admin_chat, "admin")
    await _created(admin_chat, "providers", provider_body("local", stub.base_url))
    await _created(admin_chat, "models", model_body("a", "local"))
    for kind, body in (
        ("providers", provider_body("local", stub.base_url)),
        ("models", model_body("a", "local")),
    ):
        again = await admin_chat.http.post(f"/api/admin/{kind}", json=body, headers=admin)
        assert again.status_code == 409, again.text
    refused = await admin_chat.http.delete("/api/admin/providers/local", headers=admin)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "provider 'local' is used by models ['a']"}
    assert (await admin_chat.http.delete("/api/admin/models/a", headers=admin)).status_code == 204
    assert (
        await admin_chat.http.delete("/api/admin/providers/local", headers=admin)
    ).status_code == 204
    for path in ("/api/admin/providers/local", "/api/admin/models/a"):
        assert (await admin_chat.http.get(path, headers=admin)).status_code == 404
        assert (await admin_chat.http.delete(path, headers=admin)).status_code == 404
    # A model may use a provider of the file or shortcut, not one that does not exist.
    await _created(admin_chat, "models", model_body("b", "default"))
    unknown = await admin_chat.http.post(
        "/api/admin/models", json=model_body("c", "nowhere"), headers=admin
    )
    assert (unknown.status_code, unknown.json()) == (422, {"detail": "unknown provider 'nowhere'"})


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("providers", provider_body("Bad Id", "http://x/v1"), None),
        ("providers", provider_body("p", "http://x/v1", kind="gemini"), None),
        ("providers", provider_body("p", "not a url"), None),
        ("providers", provider_body("p", "http://x/v1", colour="red"), None),
        (
            "providers",
            provider_body("p", "http://x/v1", api_key="k", api_key_env="A_API_KEY"),
            None,
        ),
        ("providers", provider_body("p", "http://x/v1", api_key=""), None),
        ("providers", provider_body("p", "http://x/v1", timeout_seconds=-1), None),
        (
            "providers",
            provider_body("p", "http://x/v1", api_key_env="DATABASE_URL"),
            "api_key_env must name a variable ending in _API_KEY",
        ),
        (
            "providers",
            provider_body("p", "http://x/v1", api_key_env="UNSET_API_KEY"),
            "api_key_env UNSET_API_KEY is not set in chat's environment",
        ),
        (
            "providers",
            provider_body("p", "http://x/v1", api_key_file="/etc/hostname"),
            "api_key_file through the API needs CATALOG_KEY_FILES_DIR",
        ),
        ("models", model_body("m", "default", context_tokens=100, max_output_tokens=100), None),
        ("models", model_body("m", "default", groups=["  "]), None),
        ("models", model_body("m", "default", input_price_per_million=-1), None),
        ("models", model_body("m", "default", display_name="a\x00b"), None),
        ("providers", provider_body("p", "http://x/\x00"), None),
        ("models", {"id": "m"}, None),
        ("providers/default", {"id": "other"}, None),
        ("models/stub-model", {"enabled": None}, None),
        ("models/Not%20An%20Id", {"enabled": True}, None),
    ],
)
async def test_invalid_bodies_are_422_with_a_detail(
    admin_chat: Chat, path: str, body: dict[str, Any], detail: str | None
) -> None:
    method = "POST" if "/" not in path else "PATCH"
    response = await admin_chat.http.request(
        method, f"/api/admin/{path}", json=body, headers=headers(admin_chat, "admin")
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    if detail is not None:
        assert response.json() == {"detail": detail}


async def test_without_a_secret_key_stored_keys_are_refused_but_key_files_work(
    make_settings: Any, signing_key: Key, stub: Any, tmp_path: Path
) -> None:
    (tmp_path / "local.key").write_text("sk-from-file\n")
    folder = tmp_path.resolve()  # noqa: ASYNC240 - a test's own temporary folder
    settings = make_settings(CATALOG_KEY_FILES_DIR=str(tmp_path))
    async with running_chat(settings, signing_key) as chat:
        admin = headers(chat, "admin")
        refused = await chat.http.post(
            "/api/admin/providers",
            json=provider_body("p", stub.base_url, api_key="sk"),
            headers=admin,
        )
        assert refused.status_code == 422
        assert "CATALOG_SECRET_KEY is not set" in refused.json()["detail"]
        outside = provider_body("p", stub.base_url, api_key_file=f"{tmp_path}/../etc/passwd")
        refused = await chat.http.post("/api/admin/providers", json=outside, headers=admin)
        assert refused.json() == {"detail": f"api_key_file must be in {folder}"}
        body = provider_body("p", stub.base_url, api_key_file=str(tmp_path / "local.key"))
        created = await _created(chat, "providers", body)
        assert (created["key_source"], created["api_key_set"]) == ("file", True)
        assert created["api_key_file"] == str(tmp_path / "local.key")
        # A patch naming no key source leaves it; naming one (null: none) replaces it.
        kept = await chat.http.patch(
            "/api/admin/providers/p", json={"max_retries": 0}, headers=admin
        )
        assert (kept.json()["key_source"], kept.json()["max_retries"]) == ("file", 0)
        dropped = await chat.http.patch(
            "/api/admin/providers/p", json={"api_key_file": None}, headers=admin
        )
        assert (dropped.json()["key_source"], dropped.json()["api_key_set"]) == ("none", False)
