"""Everything a running app holds (built once in the lifespan, kept on ``app.state``)."""

from __future__ import annotations

from dataclasses import dataclass

from openai import AsyncOpenAI

from parley_chat.accounts import AccountFollower
from parley_chat.catalog import CatalogView
from parley_chat.catalog.admin import CatalogAdmin
from parley_chat.config import Settings
from parley_chat.context_window import ContextBudget
from parley_chat.observability import Metrics
from parley_chat.runs import RunManager
from parley_chat.storage import ChatDb, ChatQueries
from parley_chat.tokens import TokenVerifier


@dataclass
class Runtime:
    """Everything a request may need, built once per app in the lifespan."""

    settings: Settings
    db: ChatDb
    budget: ContextBudget
    queries: ChatQueries
    client: AsyncOpenAI
    verifier: TokenVerifier
    accounts: AccountFollower
    runs: RunManager
    metrics: Metrics
    catalog: CatalogView  # the models a turn may use, in memory (no query per turn)
    catalog_admin: CatalogAdmin  # the admin API's reads and writes of the catalog
