"""``parley-auth``: keys generate, migrate, users promote, purge, serve."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from parley_common.cli import run_command

from parley_auth.config import Settings


def _keys_generate(args: argparse.Namespace) -> int:
    from parley_auth.keys import generate_key_files

    key_path, jwks_path = generate_key_files(Path(args.dir))
    print(f"signing key: {key_path}\njwks: {jwks_path}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from parley_auth.migrate import upgrade

    settings = Settings()
    asyncio.run(upgrade(settings.DATABASE_URL))
    print("auth database migrated to head")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from parley_auth.promotion import set_superuser

    settings = Settings()
    if not asyncio.run(set_superuser(settings, args.email, not args.revoke)):
        print(f"parley-auth: no account with email {args.email}", file=sys.stderr)
        return 1
    print(f"{args.email}: superuser {'revoked' if args.revoke else 'granted'}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from parley_auth.housekeeping import run_purge

    purged = asyncio.run(run_purge(Settings()))
    if not purged.ran:
        print("another process is purging right now; nothing done")
        return 0
    print(
        f"purged {purged.refresh_tokens} refresh tokens, {purged.throttle_rows} throttle rows,"
        f" {purged.rate_limit_rows} rate-limit rows, {purged.invites} invites,"
        f" {purged.audit_events} audit events"
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from parley_common.drain import serve_draining

    from parley_auth.app import create_app

    settings = Settings()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        # The app applies X-Forwarded-* itself, from FORWARDED_ALLOW_IPS peers only.
        proxy_headers=False,
        log_config=None,
        access_log=False,
    )
    serve_draining(config, app.state.lifecycle, settings.SHUTDOWN_DRAIN_SECONDS)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley-auth", description="Parley auth service")
    commands = parser.add_subparsers(dest="command", required=True)

    keys = commands.add_parser("keys", help="signing keys").add_subparsers(
        dest="keys_command", required=True
    )
    generate = keys.add_parser("generate", help="write signing-key.pem and jwks.json if absent")
    generate.add_argument("--dir", required=True, help="folder for the key files")
    generate.set_defaults(handler=_keys_generate)

    migrate = commands.add_parser("migrate", help="apply database migrations (alembic head)")
    migrate.set_defaults(handler=_migrate)

    users = commands.add_parser("users", help="account administration").add_subparsers(
        dest="users_command", required=True
    )
    promote = users.add_parser("promote", help="make a registered account a superuser")
    promote.add_argument("email")
    promote.add_argument("--revoke", action="store_true", help="take the superuser flag away")
    promote.set_defaults(handler=_promote)

    purge = commands.add_parser(
        "purge",
        help="delete expired refresh tokens, idle throttle rows, expired invites, old audit events",
    )
    purge.set_defaults(handler=_purge)

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), argv)
