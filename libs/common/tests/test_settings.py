"""The production guard names every problem at once, and lets fit settings through."""

from __future__ import annotations

import pytest
from parley_common.settings import SettingsError, refuse_unfit


def test_every_problem_is_named_in_one_error() -> None:
    with pytest.raises(SettingsError) as refused:
        refuse_unfit(["A_SECRET is not set", "B_URL is the development default"])
    assert str(refused.value) == (
        "refusing to start in production: A_SECRET is not set; B_URL is the development default"
    )


def test_no_problem_is_no_error() -> None:
    refuse_unfit([])
    refuse_unfit(iter(()))


def test_it_is_not_a_value_error() -> None:
    # pydantic turns a ValueError raised in a validator into a ValidationError: a RuntimeError
    # reaches the caller as itself, whichever way the settings are checked.
    assert not issubclass(SettingsError, ValueError)
