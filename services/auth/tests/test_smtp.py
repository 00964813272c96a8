"""With SMTP settings, mail goes out over SMTP (aiosmtplib) to a real socket server."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
from collections.abc import AsyncIterator
from email.message import EmailMessage

import pytest

from .conftest import AuthFactory


class SmtpSink:
    """A minimal SMTP server (no TLS, no AUTH) that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender, recipients = "", []

        async def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await reply("220 sink ESMTP")
        while line := (await reader.readline()).decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                await reply("250-sink\r\n250 8BITMIME")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].split(">", 1)[0].strip(" <")
                await reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].split(">", 1)[0].strip(" <"))
                await reply("250 OK")
            elif verb == "DATA":
                await reply("354 go ahead")
                data = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(data, policy=email.policy.default)
                self.messages.append(message)  # type: ignore[arg-type]
                self.envelopes.append((sender, recipients))
                await reply("250 queued")
            elif verb == "QUIT":
                await reply("221 bye")
                break
            else:
                await reply("250 OK")
        writer.close()


@pytest.fixture
async def smtp_sink() -> AsyncIterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield sink, port


async def test_reset_mail_goes_out_over_smtp(
    make_auth: AuthFactory, smtp_sink: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp_sink
    smtp = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_STARTTLS": False,
        "SMTP_FROM": "Parley <no-reply@parley.example>",
        "PUBLIC_BASE_URL": "https://chat.example/",
    }
    async with make_auth(real_mailer=True, **smtp) as auth:
        await auth.register("alice@example.com")
        response = await auth.client.post(
            "/auth/forgot-password", json={"email": "alice@example.com"}
        )
        assert response.status_code == 202
        await auth.settle()
        [message] = sink.messages
        assert sink.envelopes == [("no-reply@parley.example", ["alice@example.com"])]
        assert message["To"] == "alice@example.com"
        assert message["Subject"] == "Reset your Parley password"
        body = message.get_content()
        assert "https://chat.example/reset-password?token=" in body
        token = body.split("token=", 1)[1].split()[0]
        reset = await auth.client.post(
            "/auth/reset-password", json={"token": token, "password": "a new long passphrase"}
        )
        assert reset.status_code == 200


async def test_an_smtp_outage_does_not_break_the_request(
    make_auth: AuthFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": closed_port, "SMTP_STARTTLS": False}
    async with make_auth(real_mailer=True, **smtp) as auth:
        await auth.register("alice@example.com")
        response = await auth.client.post(
            "/auth/forgot-password", json={"email": "alice@example.com"}
        )
        assert response.status_code == 202
        await auth.settle()
    events = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    assert any(
        e["event"] == "background.failed" and e["task"] == "forgot-password-mail" for e in events
    )
