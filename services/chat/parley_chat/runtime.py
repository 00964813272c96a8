"""Everything a running app holds (built once in the lifespan, kept on ``app.state``)."""

from __future__ import annotations

from dataclasses import dataclass

from parley_chat.accounts import AccountFollower
from parley_chat.audit import AuditForwarder
from parley_chat.catalog import CatalogView
from parley_chat.catalog.admin import CatalogAdmin
from parley_chat.config import Settings
from parley_chat.context_window import ModelBudgets
from parley_chat.keys import ApiKeys, KeyVerifier
from parley_chat.observability import Metrics
from parley_chat.openai_api.metering import Meters
from parley_chat.providers import ProviderClients
from parley_chat.runs import RunManager
from parley_chat.storage import ChatDb, ChatQueries
from parley_chat.tokens import TokenVerifier
from parley_chat.usage.budgets import BudgetAdmin
from parley_chat.usage.reports import UsageReports


@dataclass
class Runtime:
    """Everything a request may need, built once per app in the lifespan."""

    settings: Settings
    db: ChatDb
    catalog: CatalogView  # the models and providers in memory; a turn reads ``catalog.current``
    catalog_admin: CatalogAdmin  # the admin API's reads and writes of the stored catalog
    budgets: ModelBudgets  # each model's history budget
    queries: ChatQueries
    clients: ProviderClients  # one OpenAI client and pool per provider
    verifier: TokenVerifier
    keys: ApiKeys  # API keys: create, list, revoke (audited)
    key_verifier: KeyVerifier  # a request's API key -> its owner
    accounts: AccountFollower
    audit: AuditForwarder  # sends the catalog's audit events to auth
    runs: RunManager
    meters: Meters  # /api/v1 calls' usage: admitted before the provider call, then settled
    metrics: Metrics
    usage: UsageReports  # what users and admins read of the usage ledger and budgets
    budget_admin: BudgetAdmin  # admins' budget changes (audited)
