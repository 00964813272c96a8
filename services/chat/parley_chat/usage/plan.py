"""The worst case of a model call, which admission holds until the call settles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import orjson

from parley_chat.catalog import CatalogSnapshot, ModelEntry
from parley_chat.context_window import ModelBudgets


class WorstCase(NamedTuple):
    """The most one reply of a model can use: what admission holds for it."""

    model: str
    tokens: int
    cost: float  # in the catalog's currency


def worst_case(model: ModelEntry, budgets: ModelBudgets) -> WorstCase:
    """A turn's worst case on ``model``: a full history window (and the system prompt) in,
    the model's longest reply out."""
    input_tokens = budgets.for_model(model).max_input_tokens
    output_tokens = model.max_output_tokens
    cost = (
        input_tokens * model.input_price_per_million
        + output_tokens * model.output_price_per_million
    ) / 1_000_000
    return WorstCase(model.id, input_tokens + output_tokens, cost)


def _entry(model: ModelEntry, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input": input_tokens,
        "output": output_tokens,
        "provider": model.provider_id,
        "input_price": model.input_price_per_million,
        "output_price": model.output_price_per_million,
    }


def turn_plan(snapshot: CatalogSnapshot, model_ids: Iterable[str], budgets: ModelBudgets) -> str:
    """Each model a turn may run on -> its worst case: a full history window (and the system
    prompt) in, the model's longest reply out. JSON for the lease statement."""
    plan = {}
    for model_id in model_ids:
        model = snapshot.models[model_id]
        budget = budgets.for_model(model)
        plan[model_id] = _entry(model, budget.max_input_tokens, model.max_output_tokens)
    return orjson.dumps(plan).decode()


def call_plan(model: ModelEntry, input_tokens: int, output_tokens: int) -> str:
    """An /api/v1 call's worst case: its messages as counted, and the reply's max_tokens."""
    return orjson.dumps({model.id: _entry(model, input_tokens, output_tokens)}).decode()
