"""``parley-auth users promote EMAIL [--revoke]``: the command-line way to make an admin."""

from __future__ import annotations

from sqlalchemy import select

from parley_auth.config import Settings
from parley_auth.db import create_engine, create_sessionmaker
from parley_auth.emails import canonical_email
from parley_auth.models import User
from parley_auth.roles import set_role


async def set_superuser(settings: Settings, email: str, value: bool) -> bool:
    """Grant or revoke the admin role of the account ``email`` (compared canonically), audited
    (no actor: whoever runs the command) and published in the feed. False: no such account."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            user = await session.scalar(
                select(User).where(User.email_canonical == canonical_email(email)).with_for_update()
            )
            if user is None:
                return False
            if await set_role(
                session, user, admin=value, detail={"reason": "parley-auth users promote"}
            ):
                await session.commit()
            return True
    finally:
        await engine.dispose()
