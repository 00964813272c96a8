"""Running a service's command line: the chosen command, and unfit settings as exit code 2."""

from __future__ import annotations

import argparse
import sys

from parley_common.settings import SettingsError


def run_command(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command's ``handler``; refused settings: their message, 2."""
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except SettingsError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    return code
