"""Test support shared by every Parley suite."""

from parley_common.jwk import thumbprint

from parley_testing.keys import TestKey
from parley_testing.postgres import (
    DatabaseFactory,
    database_name,
    plain_url,
    with_database,
    with_driver,
)
from parley_testing.servers import LlmStub, free_port, serve_asgi

__all__ = [
    "DatabaseFactory",
    "LlmStub",
    "TestKey",
    "database_name",
    "free_port",
    "plain_url",
    "serve_asgi",
    "thumbprint",
    "with_database",
    "with_driver",
]
