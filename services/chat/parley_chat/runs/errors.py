"""What starting, cancelling or following a run can refuse, for the routes to map to HTTP."""


class ChatNotFound(Exception):
    """No such chat for this user (also: someone else's chat)."""


class ChatBusy(Exception):
    """A run is already in flight for this chat."""


class RunNotActive(Exception):
    """The run exists but has already finished."""
