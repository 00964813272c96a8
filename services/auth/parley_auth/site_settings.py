"""Settings an admin saves at run time (the one-row ``site_settings`` table); until then the
environment's REGISTRATION and REGISTRATION_DOMAINS apply."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.config import Settings
from parley_auth.emails import canonical_domain
from parley_auth.models import SiteSettings, User

DOMAINS_REQUIRED = "REGISTRATION_DOMAINS_REQUIRED"


@dataclass(frozen=True)
class RegistrationPolicy:
    mode: str  # open, domains, invite, closed
    domains: list[str]  # canonical (IDNA A-labels, lower case)


def sso_only(settings: Settings) -> bool:
    # SSO_ONLY belongs to single sign-on's settings; without them password login is all there is.
    return bool(getattr(settings, "SSO_ONLY", False))


async def registration_policy(session: AsyncSession, settings: Settings) -> RegistrationPolicy:
    """The saved policy, else the environment's."""
    saved = await session.get(SiteSettings, True)
    if saved is not None:
        return RegistrationPolicy(saved.registration_mode, list(saved.registration_domains))
    return RegistrationPolicy(
        settings.REGISTRATION, [canonical_domain(d) for d in settings.REGISTRATION_DOMAINS]
    )


class PolicyInvalid(ValueError):
    """``mode`` domains without a domain."""


async def save_registration_policy(
    session: AsyncSession,
    settings: Settings,
    admin: User,
    mode: str,
    domains: list[str],
    client: audit.ClientInfo,
) -> RegistrationPolicy:
    """Store the policy (audited with the old and new one); commits. Raises PolicyInvalid."""
    wanted = list(dict.fromkeys(canonical_domain(d) for d in domains if d.strip()))
    if mode == "domains" and not wanted:
        raise PolicyInvalid(DOMAINS_REQUIRED)
    before = await registration_policy(session, settings)
    saved = insert(SiteSettings).values(
        id=True, registration_mode=mode, registration_domains=wanted, updated_at=func.now()
    )
    await session.execute(
        saved.on_conflict_do_update(
            index_elements=[SiteSettings.id],
            set_={
                "registration_mode": saved.excluded.registration_mode,
                "registration_domains": saved.excluded.registration_domains,
                "updated_at": saved.excluded.updated_at,
            },
        )
    )
    await audit.record(
        session,
        "registration.changed",
        actor=audit.Actor.of(admin),
        target=audit.Target("registration"),
        client=client,
        detail={
            "from": {"mode": before.mode, "domains": before.domains},
            "to": {"mode": mode, "domains": wanted},
        },
    )
    await session.commit()
    # Identity map: the session may hold the row as it was.
    session.expire_all()
    return RegistrationPolicy(mode, wanted)
