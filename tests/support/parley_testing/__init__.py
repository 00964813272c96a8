"""Test support shared by every Parley suite."""

from parley_testing.keys import TestKey, thumbprint
from parley_testing.postgres import (
    DatabaseFactory,
    database_name,
    plain_url,
    with_database,
    with_driver,
)

__all__ = [
    "DatabaseFactory",
    "TestKey",
    "database_name",
    "plain_url",
    "thumbprint",
    "with_database",
    "with_driver",
]
