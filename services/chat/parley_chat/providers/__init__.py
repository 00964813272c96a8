"""The catalog's providers: a client and connection pool each, failures as stable codes."""

from parley_chat.providers.clients import ProviderClients, make_client
from parley_chat.providers.errors import code_for_exception, code_for_response
from parley_chat.providers.transport import ConnectGuard, ObservingTransport

__all__ = [
    "ConnectGuard",
    "ObservingTransport",
    "ProviderClients",
    "code_for_exception",
    "code_for_response",
    "make_client",
]
