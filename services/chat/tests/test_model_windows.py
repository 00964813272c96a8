"""Each model has its own context window: the history sent and the longest message accepted
follow the turn's model, not one setting for everybody."""

from __future__ import annotations

from typing import Any

from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import running_chat
from .test_models import stored_runs, streamed
from .two_providers import SwitchableCatalog, two_providers

# ~5,000 tokens (estimated): beyond "small"'s 4,096-token window, well within "large"'s.
LONG = "turn long: " + "lorem ipsum dolor sit amet " * 555


def user_turns(request: dict[str, Any]) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "user"]


async def test_a_message_can_fit_one_models_window_and_not_anothers(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub, db_url: str
) -> None:
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    async with running_chat(make_settings(), signing_key, catalog) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice, model="small"))["id"]
        for body in ({"content": LONG, "model": "small"}, {"content": LONG}):
            refused = await chat.http.post(
                f"/api/chats/{chat_id}/messages", json=body, headers=alice.headers
            )
            assert refused.status_code == 422, refused.text
            detail = refused.json()["detail"]
            assert detail["code"] == "message_too_long"
            assert "Small" in detail["message"]
        assert stored_runs(db_url, chat_id) == 0
        assert streamed(stub) == []

        events = await chat.send(alice, chat_id, LONG, model="large")
        assert events[-1].event == "run.completed"
        assert user_turns(streamed(stub_two)[-1]) == [LONG]

        # The next turn on "small" leaves the long turn out of its history; on "large" it
        # is still there.
        events = await chat.send(alice, chat_id, "short one")
        assert events[0].data["model"] == "small"
        assert user_turns(streamed(stub)[-1]) == ["short one"]
        events = await chat.send(alice, chat_id, "and again", model="large")
        assert user_turns(streamed(stub_two)[-1]) == [LONG, "short one", "and again"]
