"""The OpenAI-compatible API through the real gateway, with the official ``openai`` package and
a Parley API key, as a user's script would call it."""

from __future__ import annotations

import httpx
import httpx2
import openai
import pytest
from parley_devstack import RunningStack as Stack

from .conftest import new_user_token

pytestmark = pytest.mark.timeout(300)


def test_a_parley_key_drives_the_openai_package_through_the_gateway(stack: Stack) -> None:
    token = new_user_token(stack, "127.0.0.50")
    transport = httpx.HTTPTransport(local_address="127.0.0.50")
    # The openai package is built on httpx2 (the SDK's own fork of httpx).
    sdk_transport = httpx2.HTTPTransport(local_address="127.0.0.50")
    with (
        httpx.Client(base_url=stack.url, transport=transport, timeout=30) as http,
        httpx2.Client(transport=sdk_transport, timeout=30) as sdk_http,
    ):
        created = http.post(
            "/api/keys", json={"name": "script"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        api = openai.OpenAI(
            base_url=f"{stack.url}/api/v1", api_key=key, max_retries=0, http_client=sdk_http
        )
        models = [m.id for m in api.models.list().data]
        assert models
        messages: list[openai.types.chat.ChatCompletionMessageParam] = [
            {"role": "user", "content": "hello through the gateway"}
        ]
        answer = api.chat.completions.create(model=models[0], messages=messages)
        reply = answer.choices[0].message.content or ""
        assert reply.startswith("Stub reply to: hello through the gateway")
        assert answer.usage is not None and answer.usage.completion_tokens == len(reply.split())

        stream = api.chat.completions.create(
            model=models[0],
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == reply
        assert chunks[-1].choices == [] and chunks[-1].usage == answer.usage

        with pytest.raises(openai.NotFoundError):
            api.chat.completions.create(model="no-such-model", messages=messages)
        with pytest.raises(openai.BadRequestError):
            api.chat.completions.create(model=models[0], messages=[])
        stranger = openai.OpenAI(
            base_url=f"{stack.url}/api/v1",
            api_key="pk-parley-" + "A" * 40,
            max_retries=0,
            http_client=sdk_http,
        )
        with pytest.raises(openai.AuthenticationError):
            stranger.models.list()
