"""Everything a running app holds (built once in the lifespan, kept on ``app.state``)."""

from __future__ import annotations

from dataclasses import dataclass

from parley_common.background import BackgroundWork
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from parley_auth.config import Settings
from parley_auth.devices import DeviceCookies
from parley_auth.mail import Mailer
from parley_auth.origins import AllowedOrigins
from parley_auth.passwords import AsyncPasswordHelper
from parley_auth.refresh import RefreshTokens
from parley_auth.sso.service import SingleSignOn
from parley_auth.throttle import LoginThrottle
from parley_auth.tokens import AccessTokens


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    passwords: AsyncPasswordHelper
    access_tokens: AccessTokens
    refresh_tokens: RefreshTokens
    throttle: LoginThrottle
    devices: DeviceCookies
    origins: AllowedOrigins
    mailer: Mailer
    background: BackgroundWork
    sso: SingleSignOn
