"""Test support shared by every Parley suite."""

from parley_common.jwk import thumbprint

from parley_testing.keys import TestKey
from parley_testing.logs import assert_internal_error, broken_route, json_lines
from parley_testing.oidc import OidcClient, OidcProvider, running_oidc_provider, sign_in
from parley_testing.postgres import (
    DatabaseFactory,
    database_name,
    plain_url,
    with_database,
    with_driver,
)
from parley_testing.servers import (
    LlmStub,
    ServedCommand,
    free_port,
    running_llm_stub,
    serve_asgi,
    serve_command,
)

__all__ = [
    "DatabaseFactory",
    "LlmStub",
    "OidcClient",
    "OidcProvider",
    "ServedCommand",
    "TestKey",
    "assert_internal_error",
    "broken_route",
    "database_name",
    "free_port",
    "json_lines",
    "plain_url",
    "running_llm_stub",
    "running_oidc_provider",
    "serve_asgi",
    "serve_command",
    "sign_in",
    "thumbprint",
    "with_database",
    "with_driver",
]
