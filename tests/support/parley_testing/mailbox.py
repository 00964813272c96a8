"""A real SMTP server for tests that need mail (aiosmtpd, no TLS, no AUTH).

Each message it accepts becomes one JSON file in a folder, named so that they sort in the
order they arrived. ``Mailbox`` runs it in this process; ``python -m parley_testing.mailbox
--port P --dir D`` runs it for the browser tests, whose helpers read those files.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import json
import os
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from parley_testing.servers import HOST, free_port


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message as the tests read it: envelope, headers and the decoded text."""

    mail_from: str
    rcpt_tos: list[str]
    to: str
    subject: str
    # The plain-text body with its transfer encoding undone (long links come quoted-printable).
    text: str
    received_at: float

    @classmethod
    def load(cls, path: Path) -> ReceivedMail:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


class _WriteToFolder:
    """aiosmtpd handler: writes each message to ``folder`` (write, then rename: never half read)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    # aiosmtpd calls its hooks by these names.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=[str(to) for to in envelope.rcpt_tos],
            to=str(message.get("To", "")),
            subject=str(message.get("Subject", "")),
            text=body.get_content() if isinstance(body, EmailMessage) else "",
            received_at=time.time(),
        )
        with self.lock:
            name = f"{time.time_ns():020d}-{next(self.counter):06d}.json"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_text(json.dumps(asdict(mail)), encoding="utf-8")
        os.replace(temporary, self.folder / name)
        return "250 Message accepted for delivery"


class Mailbox:
    """The SMTP server on ``HOST``: ``port`` (0 picks a free one), messages in ``folder``."""

    def __init__(self, folder: Path, port: int = 0, host: str = HOST) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        # aiosmtpd checks it is up by connecting to the port it was given, so 0 cannot work.
        self.port = port or free_port()
        self.controller = Controller(_WriteToFolder(folder), hostname=host, port=self.port)

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> Mailbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def messages(self) -> list[ReceivedMail]:
        """Every message received so far, oldest first."""
        return [ReceivedMail.load(path) for path in sorted(self.folder.glob("*.json"))]

    def latest_to(self, address: str) -> ReceivedMail | None:
        """The newest message for ``address`` (an envelope recipient), or None."""
        wanted = address.lower()
        found = [m for m in self.messages() if wanted in (to.lower() for to in m.rcpt_tos)]
        return found[-1] if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m parley_testing.mailbox",
        description="An SMTP server that writes each message it receives as a JSON file.",
    )
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True, help="folder for the messages")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with Mailbox(args.dir, args.port, args.host) as mailbox:
        print(f"mailbox: SMTP on {args.host}:{mailbox.port}, messages in {args.dir}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
