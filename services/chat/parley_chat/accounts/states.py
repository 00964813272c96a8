"""The in-memory account states the token check reads: user id -> what auth's feed said."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

TOKEN_REVOKED = "token revoked"  # noqa: S105 - a refusal, not a secret
ACCOUNT_DELETED = "account deleted"
ACCOUNT_DEACTIVATED = "account deactivated"
ADMIN = "admin"
MEMBER = "member"  # any role but "admin"


class AccountState(NamedTuple):
    """What auth's feed said about one user (only users who ever changed are known).

    ``role``, ``groups`` and ``active`` are the account's as of ``changed_at`` (auth's clock,
    seconds since the epoch). An older auth leaves them out: role and groups None (the
    token's claims hold), active.
    """

    token_version: int  # tokens whose ``tv`` claim is below this are refused
    deleted: bool
    role: str | None = None
    groups: frozenset[str] | None = None
    active: bool = True
    changed_at: float = 0.0

    def refusal(self, token_version: int) -> str | None:
        """Why a token of this user issued at ``token_version`` is refused, or None."""
        if self.deleted:
            return ACCOUNT_DELETED
        if not self.active:
            # Whenever the token was issued: auth refuses to issue tokens to an inactive
            # account, and a reactivation reaches chat within one poll.
            return ACCOUNT_DEACTIVATED
        if token_version < self.token_version:
            return TOKEN_REVOKED
        return None


class AccountStates:
    """User id -> :class:`AccountState`, filled by the follower, read on every request.

    A plain dict: the check is one lookup (no lock needed, the event loop is the only writer
    and reader). Versions only grow and a deletion is final (user ids are never reused);
    role, groups and the active flag are those of the latest ``changed_at``. So applying an
    old or repeated change never undoes a newer one.
    """

    def __init__(self) -> None:
        self._known: dict[str, AccountState] = {}

    def __len__(self) -> int:
        return len(self._known)

    def get(self, user_id: str) -> AccountState | None:
        """What is known of ``user_id`` (None: the feed never mentioned them)."""
        return self._known.get(user_id)

    def refusal(self, user_id: str, token_version: int) -> str | None:
        """Why a token of ``user_id`` issued at ``token_version`` is refused, or None."""
        state = self._known.get(user_id)
        return None if state is None else state.refusal(token_version)

    def apply(self, user_id: str, state: AccountState) -> AccountState:
        """Merge ``state`` into what is known of ``user_id``; the merged state."""
        known = self._known.get(user_id)
        if known is not None:
            newer = state if state.changed_at >= known.changed_at else known
            state = AccountState(
                token_version=max(known.token_version, state.token_version),
                deleted=known.deleted or state.deleted,
                role=newer.role,
                groups=newer.groups,
                active=newer.active,
                changed_at=max(known.changed_at, state.changed_at),
            )
        self._known[user_id] = state
        return state

    def apply_all(self, states: Iterable[tuple[str, AccountState]]) -> None:
        for user_id, state in states:
            self.apply(user_id, state)
