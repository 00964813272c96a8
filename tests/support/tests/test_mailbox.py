"""The test mailbox is a real SMTP server: what it receives can be read back, links intact."""

from __future__ import annotations

import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from parley_testing import free_port
from parley_testing.mailbox import Mailbox, ReceivedMail

# A link as long as a reset token's: quoted-printable splits it over lines in transit.
LINK = "http://localhost:8080/reset-password?token=" + "eyJhbGciOiJIUzI1NiJ9." * 12


def mail(to: str, subject: str = "Reset your Parley password") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Parley <no-reply@parley.example>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(f"To choose a new password, open: {LINK}\n")
    return message


def test_a_message_is_kept_with_its_link_decoded(tmp_path: Path) -> None:
    with Mailbox(tmp_path) as mailbox, smtplib.SMTP("127.0.0.1", mailbox.port) as client:
        client.send_message(mail("ada@example.com"))
        client.send_message(mail("bob@example.com", "Confirm your Parley email address"))
        client.send_message(mail("ada@example.com", "Second"))
        assert [m.subject for m in mailbox.messages()] == [
            "Reset your Parley password",
            "Confirm your Parley email address",
            "Second",
        ]
        latest = mailbox.latest_to("ADA@example.com")
        assert latest is not None
        assert latest.subject == "Second"
        assert latest.rcpt_tos == ["ada@example.com"]
        assert LINK in latest.text
        assert mailbox.latest_to("nobody@example.com") is None


def test_the_command_line_serves_until_stopped(tmp_path: Path) -> None:
    port = free_port()
    folder = tmp_path / "mail"
    module = [sys.executable, "-m", "parley_testing.mailbox"]
    command = [*module, "--port", str(port), "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert f"SMTP on 127.0.0.1:{port}" in process.stdout.readline()
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(mail("ada@example.com"))
        files = sorted(folder.glob("*.json"))
        assert len(files) == 1
        assert LINK in ReceivedMail.load(files[0]).text
    finally:
        process.terminate()
        started = time.monotonic()
        assert process.wait(timeout=10) == 0, "SIGTERM stops it cleanly"
        assert time.monotonic() - started < 10
