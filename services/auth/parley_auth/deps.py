"""FastAPI dependencies and their Annotated aliases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi_users_db_sqlalchemy import SQLAlchemyUserDatabase
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.models import User
from parley_auth.runtime import Runtime
from parley_auth.tokens import AccessTokenStrategy
from parley_auth.users import UserManager


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_user_db(
    session: SessionDep,
) -> AsyncIterator[SQLAlchemyUserDatabase[User, uuid.UUID]]:
    yield SQLAlchemyUserDatabase(session, User)


async def get_user_manager(
    user_db: Annotated[SQLAlchemyUserDatabase[User, uuid.UUID], Depends(get_user_db)],
    runtime: RuntimeDep,
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db, runtime)


UserManagerDep = Annotated[UserManager, Depends(get_user_manager)]


def get_access_token_strategy(runtime: RuntimeDep) -> AccessTokenStrategy:
    return AccessTokenStrategy(runtime.access_tokens)
