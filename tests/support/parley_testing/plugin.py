"""Pytest fixtures every Parley suite gets (registered as a ``pytest11`` entry point)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from parley_testing.keys import TestKey
from parley_testing.postgres import DatabaseFactory, postgres_server
from parley_testing.servers import LlmStub, running_llm_stub


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """Admin URL of a real PostgreSQL server for this test session."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def database_factory(postgres_admin_url: str) -> Iterator[DatabaseFactory]:
    """Makes fresh databases on the session's server; drops them when the session ends."""
    factory = DatabaseFactory(postgres_admin_url)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def signing_key() -> TestKey:
    """One RSA key for the session (generating one costs ~50 ms)."""
    return TestKey.generate()


@pytest.fixture(scope="session")
def other_key() -> TestKey:
    """A second key that no service trusts, for forged-token tests."""
    return TestKey.generate()


@pytest.fixture(scope="session")
def llm_stub() -> Iterator[LlmStub]:
    """The offline LLM stub served over real HTTP for the session; ``.base_url`` ends in ``/v1``.

    Shared by every test of the session: call ``.clear()`` before asserting on ``.requests()``,
    and prefer per-request ``[stub:...]`` markers or ``with llm_stub.configured(...)`` over a bare
    ``.configure(...)``, which lasts until ``.reset()``.
    """
    with running_llm_stub() as stub:
        yield stub


@pytest.fixture
def stub(llm_stub: LlmStub) -> Iterator[LlmStub]:
    """The session's stub, reset (settings and recorded requests) around a test."""
    llm_stub.reset()
    yield llm_stub
    llm_stub.reset()
