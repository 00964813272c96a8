"""``[stub:markdown]``: a realistic markdown answer, streamed in pieces, for rendering tests."""

from __future__ import annotations

import re

from openai import AsyncOpenAI
from parley_llm_stub.markdown import MARKDOWN_CODE, MARKDOWN_REPLY

from .conftest import Messages
from .test_completions import stream_reply

ASK: Messages = [{"role": "user", "content": "how do I read a CSV file? [stub:markdown]"}]


async def test_markdown_reply_streams_in_pieces_that_join_to_the_whole(
    client: AsyncOpenAI,
) -> None:
    pieces = await stream_reply(client, ASK)
    plain = await client.chat.completions.create(model="m", messages=ASK)
    assert len(pieces) > 100  # a word at a time, like any reply
    assert "".join(pieces) == MARKDOWN_REPLY == plain.choices[0].message.content
    assert plain.choices[0].finish_reason == "stop"


def test_markdown_reply_has_what_a_renderer_must_handle() -> None:
    lines = MARKDOWN_REPLY.splitlines()
    assert re.match(r"^#{1,3} \S", lines[0])  # a heading
    assert f"```python\n{MARKDOWN_CODE}\n```" in MARKDOWN_REPLY  # fenced code with a language
    table = [line for line in lines if line.startswith("|")]
    assert len(table) >= 5 and re.fullmatch(r"\|( --- \|)+", table[1])  # header, rule, 3+ rows
    assert sum(line.startswith("- ") for line in lines) >= 3  # a list
    assert re.search(r"\[[^\]]+\]\(https://[^)]+\)", MARKDOWN_REPLY)  # a link
    assert "def total(" in MARKDOWN_CODE and "    return" in MARKDOWN_CODE  # indentation kept


async def test_markdown_only_from_the_last_user_message(client: AsyncOpenAI) -> None:
    messages: Messages = [
        *ASK,
        {"role": "assistant", "content": MARKDOWN_REPLY},
        {"role": "user", "content": "thanks"},
    ]
    text = "".join(await stream_reply(client, messages))
    assert text.startswith("Stub reply to: thanks")


async def test_markdown_reply_respects_max_tokens(client: AsyncOpenAI) -> None:
    capped = await client.chat.completions.create(model="m", messages=ASK, max_tokens=5)
    assert capped.choices[0].finish_reason == "length"
    assert capped.choices[0].message.content == "## Reading a CSV file"
