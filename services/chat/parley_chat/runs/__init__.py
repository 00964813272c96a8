"""Runs: the live replies of this process, their leases across replicas, and their events."""

from parley_chat.runs.agent import AGENT_ID
from parley_chat.runs.errors import ChatBusy, ChatNotFound, RunNotActive
from parley_chat.runs.events import KEEPALIVE, Batch, SseEvent
from parley_chat.runs.live import LiveRun
from parley_chat.runs.manager import RunManager
from parley_chat.runs.models import MessageTooLong, TurnModel, TurnModels, choose_models

__all__ = [
    "AGENT_ID",
    "KEEPALIVE",
    "Batch",
    "ChatBusy",
    "ChatNotFound",
    "LiveRun",
    "MessageTooLong",
    "RunManager",
    "RunNotActive",
    "SseEvent",
    "TurnModel",
    "TurnModels",
    "choose_models",
]
