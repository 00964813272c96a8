"""Storage: agno's database (ChatDb), our queries on its tables, leases, accounts, the schema."""

from parley_chat.storage.accounts import (
    AccountQueries,
    AppliedPage,
    ChangeRow,
    StoredAccount,
    StoredFeed,
)
from parley_chat.storage.agno_db import ChatDb
from parley_chat.storage.api_keys import (
    ApiKeyQueries,
    FoundKey,
    KeyCreation,
    KeyCursor,
    NewKey,
    Revocation,
    StoredKey,
)
from parley_chat.storage.audit import AuditEntry, OutboxQueries
from parley_chat.storage.chats import (
    ChatChange,
    ChatQueries,
    ChatRow,
    ChatWithRuns,
    ListCursor,
    RunRow,
)
from parley_chat.storage.engine import (
    context_budget,
    create_chat_db,
    create_engine,
    model_budgets,
)
from parley_chat.storage.final_saves import FinalSaves
from parley_chat.storage.leases import (
    Lease,
    LeaseAttempt,
    LeaseQueries,
    TurnAdmission,
    TurnModelChoice,
)
from parley_chat.storage.schema import migrate, warm_up
from parley_chat.storage.usage_ledger import CallAdmission, LedgerQueries, ModelCall

__all__ = [
    "AccountQueries",
    "ApiKeyQueries",
    "AppliedPage",
    "AuditEntry",
    "CallAdmission",
    "ChangeRow",
    "ChatChange",
    "ChatDb",
    "ChatQueries",
    "ChatRow",
    "ChatWithRuns",
    "FinalSaves",
    "FoundKey",
    "KeyCreation",
    "KeyCursor",
    "Lease",
    "LeaseAttempt",
    "LeaseQueries",
    "LedgerQueries",
    "ListCursor",
    "ModelCall",
    "NewKey",
    "OutboxQueries",
    "Revocation",
    "RunRow",
    "StoredAccount",
    "StoredFeed",
    "StoredKey",
    "TurnAdmission",
    "TurnModelChoice",
    "context_budget",
    "create_chat_db",
    "create_engine",
    "migrate",
    "model_budgets",
    "warm_up",
]
