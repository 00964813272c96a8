"""The peer: Agno's own AgentOS set up like Parley (same stub, PostgreSQL, RS256 keys).

``python -m parley_bench.peer --port P`` serves it with one uvicorn worker. Settings come from
the environment: ``PEER_DATABASE_URL``, ``PEER_PUBLIC_KEY_FILE`` (PEM), ``LLM_BASE_URL``,
``LLM_MODEL``, ``HISTORY_RUNS``, ``JWT_ISSUER``, ``JWT_AUDIENCE``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

AGENT_ID = "parley-peer"
# AgentOS enforces its default scope map when authorization is on; a normal user's token
# carries just these.
USER_SCOPES = ["agents:read", "agents:run", "sessions:read", "sessions:write"]


def create_peer_app(
    *,
    database_url: str,
    public_key_pem: str,
    llm_base_url: str,
    llm_model: str = "parley-stub",
    history_runs: int = 10,
    issuer: str = "parley-auth",
    audience: str = "parley",
) -> Any:
    """AgentOS with one agent, user isolation on, RS256 verification, telemetry off."""
    os.environ["AGNO_TELEMETRY"] = "false"
    from agno.agent import Agent
    from agno.db.postgres import AsyncPostgresDb
    from agno.models.openai import OpenAILike
    from agno.os import AgentOS
    from agno.os.authz import Authorization

    _scheme, _sep, rest = database_url.partition("://")
    db = AsyncPostgresDb(db_url=f"postgresql+psycopg://{rest}", db_schema="ai")
    agent = Agent(
        id=AGENT_ID,
        name="Parley peer",
        model=OpenAILike(id=llm_model, base_url=llm_base_url, api_key="stub-key"),
        db=db,
        instructions="You are Parley, a helpful assistant. Answer clearly and concisely.",
        add_history_to_context=True,
        num_history_runs=history_runs,
        telemetry=False,
    )
    agent_os = AgentOS(
        id="parley-peer-os",
        agents=[agent],
        db=db,
        authorization=Authorization(
            verification_keys=[public_key_pem],
            algorithm="RS256",
            verify_audience=True,
            audience=audience,
            issuer=issuer,
        ),
        user_isolation=True,
        telemetry=False,
    )
    return agent_os.get_app()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="parley-bench-peer", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7777)
    args = parser.parse_args(argv)
    import uvicorn

    with open(os.environ["PEER_PUBLIC_KEY_FILE"]) as handle:
        pem = handle.read()
    app = create_peer_app(
        database_url=os.environ["PEER_DATABASE_URL"],
        public_key_pem=pem,
        llm_base_url=os.environ["LLM_BASE_URL"],
        llm_model=os.environ.get("LLM_MODEL", "parley-stub"),
        history_runs=int(os.environ.get("HISTORY_RUNS", "10")),
        issuer=os.environ.get("JWT_ISSUER", "parley-auth"),
        audience=os.environ.get("JWT_AUDIENCE", "parley"),
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
