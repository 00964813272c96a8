"""What agno's save path tells the run side: whether a run's final save was stored."""

from __future__ import annotations


class FinalSaves:
    """The status of agno's last save of each run of this process, until the run side takes it.

    agno saves a run's end itself and only logs a failed save, so its database writes what it
    saved here (``None`` when the save failed) and the run manager reads it: a reply that was
    streamed but not stored must not be reported as completed. One object, given to both.
    """

    def __init__(self) -> None:
        self._status: dict[str, str | None] = {}

    def record(self, run_id: str, status: str | None) -> None:
        """agno saved ``run_id`` with ``status`` (``None``: the save failed)."""
        self._status[run_id] = status

    def saved(self, run_id: str) -> bool:
        """Whether agno has saved (or tried to save) this run's end and nobody took it yet."""
        return run_id in self._status

    def take(self, run_id: str) -> str | None:
        """The status of the last save (``None`` if it failed or never came), forgotten after."""
        return self._status.pop(run_id, None)

    def discard(self, run_id: str) -> None:
        self._status.pop(run_id, None)
