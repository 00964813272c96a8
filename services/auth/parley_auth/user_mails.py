"""Mails sent after a response (``BackgroundWork``): links and notices to an account's owner."""

from __future__ import annotations

import uuid

from parley_auth.links import EMAIL_CHANGE_AUDIENCE, RESET_AUDIENCE, make_link
from parley_auth.mail import email_change_mail, registration_attempt_mail, reset_password_mail
from parley_auth.runtime import Runtime


async def send_reset_mail(
    runtime: Runtime, user_id: uuid.UUID, email: str, hashed_password: str
) -> None:
    """The forgot-password work: a token bound to the current password hash, then the mail."""
    settings = runtime.settings
    fingerprint = await runtime.passwords.hash_async(hashed_password)
    token = make_link(
        RESET_AUDIENCE,
        user_id,
        fingerprint,
        settings.RESET_PASSWORD_TOKEN_SECRET,
        settings.RESET_PASSWORD_TOKEN_TTL_SECONDS,
    )
    subject, body = reset_password_mail(settings.PUBLIC_BASE_URL, token)
    await runtime.mailer.send(email, subject, body)


async def send_email_change_mail(runtime: Runtime, user_id: uuid.UUID, new_email: str) -> None:
    """The link that makes ``new_email`` the account's address, mailed to that address."""
    settings = runtime.settings
    token = make_link(
        EMAIL_CHANGE_AUDIENCE,
        user_id,
        new_email,
        settings.VERIFICATION_TOKEN_SECRET,
        settings.VERIFICATION_TOKEN_TTL_SECONDS,
    )
    subject, body = email_change_mail(settings.PUBLIC_BASE_URL, token)
    await runtime.mailer.send(new_email, subject, body)


async def send_registration_attempt_mail(runtime: Runtime, email: str) -> None:
    """Registration with a taken address (concealed): tell the owner instead of the caller."""
    subject, body = registration_attempt_mail(runtime.settings.PUBLIC_BASE_URL)
    await runtime.mailer.send(email, subject, body)
