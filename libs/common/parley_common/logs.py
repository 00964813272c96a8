"""JSON logs on stdout through structlog, with exceptions logged as their stack only."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterable
from typing import Any

import structlog


def traceback_without_values(_: Any, __: str, event_dict: Any) -> Any:
    """An exception as its stack (files, lines, code) and its type only: its message and the
    local variables can carry users' messages, emails or tokens, which stay out of the logs."""
    exc_info = event_dict.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if exc_info and exc_info[0] is not None:
        frames = "".join(traceback.format_tb(exc_info[2]))
        event_dict["exception"] = (
            f"Traceback (most recent call last):\n{frames}{exc_info[0].__qualname__}"
        )
    return event_dict


def configure_logging(
    level: str = "INFO",
    json_logs: bool = True,
    *,
    quiet: Iterable[str] = (),
    critical_only: Iterable[str] = (),
) -> None:
    """Route structlog and standard-library records (uvicorn, alembic) through one renderer.

    ``quiet`` loggers log warnings and worse only; ``critical_only`` loggers keep nothing below
    CRITICAL, even when their library resets their level.
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    # The structlog side never changes between calls (the level is the root logger's, the
    # renderer the handler's), so loggers can be cached on first use: cheaper per line.
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _StdoutHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                traceback_without_values,
                renderer,
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log duplicates ours, lacks the request id and prints query strings.
    logging.getLogger("uvicorn.access").disabled = True
    for name in quiet:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in critical_only:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropBelowCritical) for f in logger.filters):
            logger.addFilter(_DropBelowCritical())


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at emit time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class _DropBelowCritical(logging.Filter):
    """A filter survives a library resetting its logger's level; a level would not."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.CRITICAL
