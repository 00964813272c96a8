"""A chat replica that is stopped (rollout, scale-in, `docker compose up` of a new image) gets
to finish its replies: the drain and grace settings fit in the time before SIGKILL.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from parley_deploy_checks import OVERLAYS, REPO_ROOT, load_yaml
from parley_deploy_checks.compose import interpolate

# Seconds before SIGKILL that stay unused, for the process's own start of shutdown and exit.
MARGIN_SECONDS = 10.0


def chat_stop_seconds(drain: float, grace: float) -> float:
    """The longest a chat replica takes from SIGTERM to exit with these settings.

    drain: /api/healthz fails while serving (parley_common.drain). Then uvicorn waits for open
    streams up to grace + 5 s (`timeout_graceful_shutdown` in parley_chat/cli.py), then the
    lifespan's RunManager.stop lets replies still running have grace again, cancels the rest
    (0.5 s) and waits up to 5 s for them.
    """
    return drain + (grace + 5) + grace + 0.5 + 5


def test_budget_is_what_the_defaults_need() -> None:
    # The services' defaults (3 s drain, 10 s grace) need 33.5 s: above Docker's 10 s default.
    assert chat_stop_seconds(3, 10) == 33.5


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_chat_pods_finish_replies_before_they_are_killed(
    overlay: str, overlay_docs: dict[str, list[dict[str, Any]]]
) -> None:
    (chat,) = [
        d
        for d in overlay_docs[overlay]
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "chat"
    ]
    spec = chat["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    drain = float(env["SHUTDOWN_DRAIN_SECONDS"])
    grace = float(env["SHUTDOWN_GRACE_SECONDS"])
    assert drain >= 5, "Traefik needs a few seconds to drop a terminating endpoint"
    assert grace >= 30, "a long reply needs time to finish"
    budget = chat_stop_seconds(drain, grace) + MARGIN_SECONDS
    assert budget <= spec["terminationGracePeriodSeconds"]
    # A rollout never kills more than it adds: surge first, so draining pods are replaced.
    strategy = chat["spec"].get("strategy", {}).get("rollingUpdate", {})
    assert str(strategy["maxUnavailable"]) in {"0", "0%"}


def test_compose_chat_finishes_replies_before_it_is_killed() -> None:
    chat = load_yaml(REPO_ROOT / "docker-compose.yml")["services"]["chat"]
    env = {
        k: interpolate(str(v), {"CHAT_DB_PASSWORD": "unused", "SERVICE_TOKEN": "unused"})
        for k, v in chat["environment"].items()
    }
    match = re.fullmatch(r"(\d+)s", chat["stop_grace_period"])
    assert match, chat["stop_grace_period"]
    budget = chat_stop_seconds(
        float(env["SHUTDOWN_DRAIN_SECONDS"]), float(env["SHUTDOWN_GRACE_SECONDS"])
    )
    assert budget + MARGIN_SECONDS <= int(match.group(1))
