"""Chat follows the auth service's key rotation without a restart."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import running_chat


def publish(path: Path, *keys: Key) -> None:
    """Replace the JWKS file in one step, as a ConfigMap update or a deploy script does."""
    staged = path.with_suffix(".new")
    staged.write_text(json.dumps({"keys": [k.public_jwk() for k in keys]}))
    os.replace(staged, path)


async def test_a_running_chat_accepts_a_new_key_and_drops_a_removed_one(
    make_settings: Any, stub: LlmStub, tmp_path: Path
) -> None:
    old, new = Key.generate(), Key.generate()
    jwks = tmp_path / "jwks.json"
    publish(jwks, old)
    settings = make_settings(AUTH_PUBLIC_KEYS_FILE=str(jwks), AUTH_KEYS_RELOAD_SECONDS=0.2)
    async with running_chat(settings, old) as chat:

        async def status(key: Key) -> int:
            headers = {"Authorization": f"Bearer {key.token('alice')}"}
            code: int = (await chat.http.get("/api/chats", headers=headers)).status_code
            return code

        assert (await status(old), await status(new)) == (200, 401)
        # Rotation: the new key is published next to the old one; tokens signed with it are
        # accepted at once (their unknown kid re-reads the file), the old ones still work.
        publish(jwks, new, old)
        assert (await status(new), await status(old)) == (200, 200)
        # The old key is withdrawn: within the reload interval its tokens stop working.
        publish(jwks, new)
        for _ in range(200):  # up to 10 s
            if await status(old) == 401:
                break
            await asyncio.sleep(0.05)
        assert (await status(old), await status(new)) == (401, 200)
        # A half-written or emptied file never locks everyone out.
        jwks.write_text("")
        await asyncio.sleep(0.5)
        assert await status(new) == 200
