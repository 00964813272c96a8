"""The in-memory account states the token check reads: user id -> token version, deleted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

TOKEN_REVOKED = "token revoked"  # noqa: S105 - a refusal, not a secret
ACCOUNT_DELETED = "account deleted"


class AccountState(NamedTuple):
    """What auth's feed said about one user (only users who ever changed are known)."""

    token_version: int  # tokens whose ``tv`` claim is below this are refused
    deleted: bool


class AccountStates:
    """User id -> :class:`AccountState`, filled by the follower, read on every request.

    A plain dict: the check is one lookup (no lock needed, the event loop is the only writer
    and reader). Versions only grow and a deletion is final (user ids are never reused), so
    applying an old or repeated change never undoes a newer one.
    """

    def __init__(self) -> None:
        self._known: dict[str, AccountState] = {}

    def __len__(self) -> int:
        return len(self._known)

    def refusal(self, user_id: str, token_version: int) -> str | None:
        """Why a token of ``user_id`` issued at ``token_version`` is refused, or None."""
        state = self._known.get(user_id)
        if state is None:
            return None
        if state.deleted:
            return ACCOUNT_DELETED
        if token_version < state.token_version:
            return TOKEN_REVOKED
        return None

    def apply(self, user_id: str, state: AccountState) -> AccountState:
        """Merge ``state`` into what is known of ``user_id``; the merged state."""
        known = self._known.get(user_id)
        if known is not None:
            state = AccountState(
                max(known.token_version, state.token_version), known.deleted or state.deleted
            )
        self._known[user_id] = state
        return state

    def apply_all(self, states: Iterable[tuple[str, AccountState]]) -> None:
        for user_id, state in states:
            self.apply(user_id, state)
