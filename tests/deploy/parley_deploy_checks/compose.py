"""Reading docker-compose.yml as compose would: ``${VAR}`` interpolation, Traefik's flags."""

from __future__ import annotations

import re
from typing import Any


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} forms."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in variables:
            return variables[name]
        if op == ":-":
            return rest
        raise AssertionError(f"compose needs {name}: {rest}")

    return re.sub(r"\$\{([A-Z_]+)(?:(:[-?])([^}]*))?\}", one, value)


def flag_options(flags: list[str]) -> dict[str, str]:
    """``--a.b=c`` flags as {"a.b": "c"} (Traefik's option names are case-insensitive)."""
    options: dict[str, str] = {}
    for flag in flags:
        assert flag.startswith("--"), flag
        name, _, value = flag[2:].partition("=")
        options[name.lower()] = value
    return options


def flatten_static(config: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A Traefik static YAML config as the flag options that say the same."""
    options: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}".lower()
        if isinstance(value, dict):
            options.update(flatten_static(value, name + "."))
        elif isinstance(value, bool):
            options[name] = str(value).lower()
        else:
            options[name] = str(value)
    return options
