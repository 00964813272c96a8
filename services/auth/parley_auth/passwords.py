"""argon2id hashing (pwdlib) run in worker threads so the event loop never waits on it."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from fastapi_users.password import PasswordHelper
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

HashProfile = Literal["standard", "fast"]


def make_hasher(profile: HashProfile) -> Argon2Hasher:
    if profile == "fast":
        # Test suites only (production refuses it): ~1 ms instead of ~150 ms.
        return Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    return Argon2Hasher()  # argon2id t=3, m=64 MiB, p=4 (RFC 9106 second recommendation)


class AsyncPasswordHelper(PasswordHelper):
    """fastapi-users' helper plus awaitable variants that run in a dedicated thread pool."""

    def __init__(self, profile: HashProfile, workers: int) -> None:
        super().__init__(PasswordHash((make_hasher(profile),)))
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        # Hashed when an email is unknown, so that answer costs as much as a wrong password.
        self._dummy_hash = self.hash("parley-dummy-password")

    async def hash_async(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.hash, password)

    async def verify_and_update_async(
        self, password: str, hashed_password: str
    ) -> tuple[bool, str | None]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self.verify_and_update, password, hashed_password
        )

    async def fingerprint_matches(self, hashed_password: str, fingerprint: str) -> bool:
        """Whether ``fingerprint`` (from a reset link) is a hash of ``hashed_password``.

        A forged link may carry anything as the fingerprint: anything but a match is False.
        """

        def check() -> bool:
            try:
                matched, _ = self.verify_and_update(hashed_password, fingerprint)
            except Exception:  # pwdlib raises for unknown or malformed hashes
                return False
            return bool(matched)

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, check)

    async def burn_time(self, password: str) -> None:
        """Spend what a real verification costs (for unknown emails)."""
        await self.verify_and_update_async(password, self._dummy_hash)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
