"""Audit events of admin actions: who did what from where, forwarded to auth's audit log."""

from parley_chat.audit.events import Actor, Caller, ClientInfo, client_info
from parley_chat.audit.forwarder import AuditForwarder

__all__ = ["Actor", "AuditForwarder", "Caller", "ClientInfo", "client_info"]
