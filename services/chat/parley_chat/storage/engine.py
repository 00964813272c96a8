"""The process's one pooled engine and the agno database built on it."""

from __future__ import annotations

from agno.db.utils import json_serializer
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from parley_chat.config import DEFAULT_HISTORY_MAX_TOKENS, Settings
from parley_chat.context_window import ContextBudget, ModelBudgets, counter_for_model
from parley_chat.storage.agno_db import ChatDb
from parley_chat.storage.final_saves import FinalSaves
from parley_chat.storage.schema import checked_schema


def create_engine(settings: Settings) -> AsyncEngine:
    """One pooled psycopg 3 engine for agno and our own queries."""
    return create_async_engine(
        settings.sqlalchemy_url,
        pool_size=settings.DB_POOL_SIZE,
        max_overflow=settings.DB_MAX_OVERFLOW,
        # A burst that finds no free connection soon gets a 503 (app.py), not a long hang.
        pool_timeout=settings.DB_POOL_TIMEOUT_SECONDS,
        # No pool_pre_ping: it costs a round trip per checkout on the hot path.
        pool_recycle=1800,
        # A database that does not answer must turn into a quick 503, not a hung request.
        connect_args={"connect_timeout": 5},
        json_serializer=json_serializer,
    )


def context_budget(settings: Settings) -> ContextBudget:
    """The history's token budget, counted with the configured model's tokenizer."""
    return ContextBudget(counter_for_model(settings.LLM_MODEL), settings.history_max_tokens)


def model_budgets(settings: Settings) -> ModelBudgets:
    """Each catalog model's history budget: HISTORY_MAX_TOKENS (else 16000) or what the
    model's window leaves, whichever is less."""
    cap = settings.HISTORY_MAX_TOKENS or DEFAULT_HISTORY_MAX_TOKENS
    return ModelBudgets(settings.SYSTEM_PROMPT, cap)


def create_chat_db(
    settings: Settings,
    engine: AsyncEngine,
    final_saves: FinalSaves,
    budget: ContextBudget | None = None,
) -> ChatDb:
    """agno's database for the configured schema, reporting its final saves to ``final_saves``."""
    return ChatDb(
        db_engine=engine,
        db_schema=checked_schema(settings.DB_SCHEMA),
        create_schema=True,
        history_runs=settings.HISTORY_RUNS,
        budget=budget or context_budget(settings),
        final_saves=final_saves,
        save_retry_seconds=settings.FINAL_SAVE_RETRY_SECONDS,
    )
