"""How the suite reads a reply that was resumed after a cut (no stack needed)."""

from __future__ import annotations

from parley_resilience import Turn


def test_deltas_are_placed_by_their_id_so_a_resumed_reply_reads_once() -> None:
    turn = Turn(status=200)
    turn.add_delta("Hello", "5")
    turn.add_delta(" wor", "9")
    # Resumed after a cut: a finished run is replayed as one delta with the whole text.
    turn.add_delta("Hello world", "11")
    assert turn.text == "Hello world"
    # A live resume continues where the last event left off.
    turn.add_delta("!", "12")
    assert turn.text == "Hello world!"


def test_deltas_without_an_id_are_appended() -> None:
    turn = Turn(status=200)
    turn.add_delta("a", "")
    turn.add_delta("b", "")
    assert turn.text == "ab"
