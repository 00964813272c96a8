"""The model catalog: providers and models, what a user may use, and where it comes from."""

from parley_chat.catalog.shortcut import snapshot_from_settings
from parley_chat.catalog.types import (
    CatalogSnapshot,
    CatalogView,
    ModelEntry,
    ModelNotAllowed,
    ProviderEntry,
    StaticCatalog,
)

__all__ = [
    "CatalogSnapshot",
    "CatalogView",
    "ModelEntry",
    "ModelNotAllowed",
    "ProviderEntry",
    "StaticCatalog",
    "snapshot_from_settings",
]
