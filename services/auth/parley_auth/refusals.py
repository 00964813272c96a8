"""What the admin API's plain modules raise when they refuse; routes turn it into JSON."""

from __future__ import annotations

CANNOT_CHANGE_SELF = "CANNOT_CHANGE_SELF"
LAST_ADMIN = "LAST_ADMIN"
UNKNOWN_GROUP = "UNKNOWN_GROUP"
GROUP_EXISTS = "GROUP_EXISTS"
ALREADY_VERIFIED = "ALREADY_VERIFIED"
USER_INACTIVE = "USER_INACTIVE"
NOT_FOUND = "Not Found"


class Refused(Exception):
    """An admin request refused with ``status`` and ``code`` (the answer's ``detail``)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def not_found() -> Refused:
    return Refused(404, NOT_FOUND)


def conflict(code: str) -> Refused:
    return Refused(409, code)
