"""A turn's model, decided from the in-memory catalog before the chat's lease is taken.

The message may name a model; else the chat's stored model is used, which only the lease
statement reads (no extra round trip). So everything the statement needs is decided here:
the models this user may use that this message fits. The statement takes the lease only for
one of those, and says which model it chose; a refusal is explained afterwards, in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from parley_chat.catalog import CatalogSnapshot, ModelEntry, ModelNotAllowed, ProviderEntry
from parley_chat.context_window import ContextBudget, ModelBudgets, TooLong
from parley_chat.storage import TurnModelChoice


class MessageTooLong(Exception):
    """The message alone does not fit the model's history budget (a 422 message_too_long)."""

    def __init__(self, model: ModelEntry, too_long: TooLong) -> None:
        super().__init__(model.id)
        self.model = model
        self.too_long = too_long


@dataclass(frozen=True)
class TurnModel:
    """The model a run answers with, its provider and its history budget (fixed at start)."""

    model: ModelEntry
    provider: ProviderEntry
    budget: ContextBudget


@dataclass(frozen=True)
class TurnModels:
    """The models a turn may run on; ``choice`` goes to the lease statement."""

    snapshot: CatalogSnapshot
    groups: frozenset[str]
    choice: TurnModelChoice
    too_long: Mapping[str, TooLong]  # the user's models this message does not fit
    budgets: ModelBudgets

    def accepted(self, model_id: str) -> TurnModel:
        """The model the lease statement chose (one of ``choice.allowed``)."""
        model = self.snapshot.models[model_id]
        provider = self.snapshot.providers[model.provider_id]
        return TurnModel(model, provider, self.budgets.for_model(model))

    def refusal(self, model_id: str | None) -> Exception:
        """Why the statement refused ``model_id``: ModelNotAllowed or MessageTooLong."""
        try:
            model = self.snapshot.resolve(model_id, self.groups)
        except ModelNotAllowed as exc:
            return exc
        too_long = self.too_long.get(model.id)
        if too_long is None:  # pragma: no cover - the statement and this module agree
            return ModelNotAllowed(f"model {model.id!r} cannot be used now")
        return MessageTooLong(model, too_long)


def choose_models(
    snapshot: CatalogSnapshot,
    requested: str | None,
    groups: Collection[str],
    content: str,
    budgets: ModelBudgets,
) -> TurnModels:
    """The turn's candidate models; raises ModelNotAllowed or MessageTooLong when the message
    cannot run on any (an asked-for model that is refused, or no model at all)."""
    groups = frozenset(groups)
    if requested is not None:
        candidates = [snapshot.resolve(requested, groups)]
        default = None
    else:
        default = snapshot.resolve(None, groups).id
        candidates = snapshot.available_to(groups)
    # One count per tokenizer, whatever the number of models.
    tokens_by_counter: dict[str, int] = {}
    allowed: list[str] = []
    too_long: dict[str, TooLong] = {}
    for model in candidates:
        budget = budgets.for_model(model)
        name = budget.counter.name
        if name not in tokens_by_counter:
            tokens_by_counter[name] = budget.message_tokens(content)
        tokens = tokens_by_counter[name]
        if tokens > budget.history_tokens:
            too_long[model.id] = TooLong(tokens, budget.history_tokens)
        else:
            allowed.append(model.id)
    if requested is not None and not allowed:
        raise MessageTooLong(candidates[0], too_long[candidates[0].id])
    return TurnModels(
        snapshot=snapshot,
        groups=groups,
        choice=TurnModelChoice(requested, default, tuple(allowed)),
        too_long=too_long,
        budgets=budgets,
    )
