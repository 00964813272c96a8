"""FastAPI dependencies and their Annotated aliases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi_users import FastAPIUsers
from fastapi_users.authentication import AuthenticationBackend, BearerTransport
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.models import User
from parley_auth.runtime import Runtime
from parley_auth.tokens import AccessTokenStrategy
from parley_auth.users import UserDatabase, UserManager


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_user_db(session: SessionDep) -> AsyncIterator[UserDatabase]:
    yield UserDatabase(session, User)


async def get_user_manager(
    user_db: Annotated[UserDatabase, Depends(get_user_db)],
    runtime: RuntimeDep,
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db, runtime)


UserManagerDep = Annotated[UserManager, Depends(get_user_manager)]


def get_access_token_strategy(runtime: RuntimeDep) -> AccessTokenStrategy:
    return AccessTokenStrategy(runtime.access_tokens, runtime.sessionmaker)


backend = AuthenticationBackend[User, uuid.UUID](
    name="jwt",
    transport=BearerTransport(tokenUrl="/auth/login"),
    get_strategy=get_access_token_strategy,
)
fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [backend])

CurrentUser = Annotated[User, Depends(fastapi_users.current_user(active=True))]
CurrentSuperuser = Annotated[User, Depends(fastapi_users.current_user(active=True, superuser=True))]
# Admins are superusers: members get 403 {"detail": "Forbidden"}, no token 401.
CurrentAdmin = CurrentSuperuser
