"""The production guard names every problem at once, and lets fit settings through."""

from __future__ import annotations

import argparse

import pytest
from parley_common.cli import run_command
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


def test_a_command_refused_for_its_settings_exits_2_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = argparse.ArgumentParser(prog="parley-demo")
    commands = parser.add_subparsers(dest="command", required=True)

    def serve(args: argparse.Namespace) -> int:
        refuse_unfit(["SECRET is the development default"])
        return 0

    commands.add_parser("serve").set_defaults(handler=serve)
    commands.add_parser("ok").set_defaults(handler=lambda args: 0)
    assert run_command(parser, ["ok"]) == 0
    assert run_command(parser, ["serve"]) == 2
    assert capsys.readouterr().err == (
        "parley-demo: refusing to start in production: SECRET is the development default\n"
    )
