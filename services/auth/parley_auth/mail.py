"""Outgoing mail: SMTP (aiosmtplib) when configured, else a log line (links only in dev)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
import structlog

from parley_auth.config import Settings

log = structlog.get_logger(__name__)


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


class SmtpMailer:
    """Sends through the SMTP server of the settings (STARTTLS or implicit TLS)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, to: str, subject: str, body: str) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.SMTP_FROM
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        await aiosmtplib.send(
            message,
            hostname=s.SMTP_HOST,
            port=s.SMTP_PORT,
            username=s.SMTP_USERNAME or None,
            password=s.SMTP_PASSWORD.get_secret_value() or None,
            use_tls=s.SMTP_SSL,
            start_tls=s.SMTP_STARTTLS and not s.SMTP_SSL,
            timeout=s.SMTP_TIMEOUT_SECONDS,
        )
        log.info("mail.sent", subject=subject)


class LogMailer:
    """No SMTP configured: in development the mail (and its link) goes to the log."""

    def __init__(self, show_body: bool) -> None:
        self.show_body = show_body

    async def send(self, to: str, subject: str, body: str) -> None:
        if self.show_body:
            log.info("mail.dev_outbox", to=to, subject=subject, body=body)
        else:
            # Production without SMTP: never put a token into the log.
            log.warning("mail.not_sent", reason="SMTP_HOST is not set", subject=subject)


def build_mailer(settings: Settings) -> Mailer:
    if settings.SMTP_HOST:
        return SmtpMailer(settings)
    return LogMailer(show_body=not settings.is_production)


def reset_password_mail(base_url: str, token: str) -> tuple[str, str]:
    link = f"{base_url.rstrip('/')}/reset-password?token={token}"
    body = (
        "Someone asked to reset the password of your Parley account.\n"
        f"To choose a new password, open: {link}\n"
        "If it was not you, ignore this mail; your password stays as it is.\n"
    )
    return "Reset your Parley password", body


def verify_mail(base_url: str, token: str) -> tuple[str, str]:
    link = f"{base_url.rstrip('/')}/verify?token={token}"
    body = f"Confirm the email address of your Parley account: {link}\n"
    return "Confirm your Parley email address", body


def email_change_mail(base_url: str, token: str) -> tuple[str, str]:
    link = f"{base_url.rstrip('/')}/verify?token={token}"
    body = (
        "Someone asked to use this address for a Parley account.\n"
        f"To confirm the change, open: {link}\n"
        "If it was not you, ignore this mail; nothing changes.\n"
    )
    return "Confirm your new Parley email address", body


def registration_attempt_mail(base_url: str) -> tuple[str, str]:
    link = f"{base_url.rstrip('/')}/forgot-password"
    body = (
        "Someone tried to register a Parley account with this address, which already has one.\n"
        f"If it was you and you forgot your password, reset it here: {link}\n"
        "If it was not you, ignore this mail; your account is unchanged.\n"
    )
    return "Your Parley account already exists", body
