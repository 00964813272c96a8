"""The console script ``parley-llm-stub``: settings from flags and ``STUB_*``, then uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

import uvicorn

from parley_llm_stub.app import create_app
from parley_llm_stub.config import FAIL_MODES, StubConfig


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, StubConfig]:
    """CLI flags over ``STUB_*`` environment variables over built-in defaults."""
    parser = argparse.ArgumentParser(
        prog="parley-llm-stub",
        description="Offline stub of an OpenAI-compatible LLM server (canned replies, no model).",
    )
    try:
        env = StubConfig.from_env()
    except ValueError as exc:
        parser.error(str(exc))
    parser.add_argument("--host", default=os.environ.get("STUB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STUB_PORT", "8090")))
    parser.add_argument("--reply-words", type=int, default=env.reply_words)
    parser.add_argument("--delay-ms", type=float, default=env.delay_ms, help="between words")
    parser.add_argument("--first-token-delay-ms", type=float, default=env.first_token_delay_ms)
    parser.add_argument("--model", default=env.model)
    parser.add_argument("--fail-mode", choices=FAIL_MODES, default=env.fail_mode)
    parser.add_argument("--log-level", default=os.environ.get("STUB_LOG_LEVEL", "info"))
    parser.add_argument("--access-log", action="store_true", help="log every request (slower)")
    args = parser.parse_args(argv)
    try:
        config = replace(
            env,
            reply_words=args.reply_words,
            delay_ms=args.delay_ms,
            first_token_delay_ms=args.first_token_delay_ms,
            model=args.model,
            fail_mode=args.fail_mode,
        )
    except ValueError as exc:
        parser.error(str(exc))
    return args, config


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``parley-llm-stub``."""
    args, config = parse_args(argv)
    print(
        f"parley-llm-stub: STUB model server (canned replies) at http://{args.host}:{args.port}/v1",
        file=sys.stderr,
    )
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        timeout_graceful_shutdown=2,
    )


if __name__ == "__main__":
    main()
