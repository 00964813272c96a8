"""The admin catalog API: providers and models (admins only, every change audited); logic in
catalog/admin.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from parley_common.openapi import responses

from parley_chat.catalog.admin import CatalogRefusal
from parley_chat.catalog.api import (
    ModelList,
    ModelOut,
    ModelUpdate,
    ProviderCreate,
    ProviderList,
    ProviderOut,
    ProviderUpdate,
)
from parley_chat.catalog.specs import ENTRY_ID_PATTERN, ModelSpec
from parley_chat.deps import AdminCaller, AdminUser, RuntimeDep

FORBIDDEN = "not an admin ('admin only'), or EMAIL_NOT_VERIFIED"
READ_ONLY = "'managed_by_file': the catalog file or the LLM_* settings define it"
router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    responses=responses(401, 403, 503, describe={403: FORBIDDEN}),
)

ProviderId = Annotated[str, Path(pattern=ENTRY_ID_PATTERN)]
ModelId = Annotated[str, Path(pattern=ENTRY_ID_PATTERN)]
CREATED = responses(
    409, 413, 422, describe={409: f"{READ_ONLY}, or the id exists; 'unknown provider' is a 422"}
)
READ = responses(404, 422)
CHANGED = responses(404, 409, 413, 422, describe={409: READ_ONLY})


@contextmanager
def _answered() -> Iterator[None]:
    """The catalog's refusals as HTTP answers with their sentence as ``detail``."""
    try:
        yield
    except CatalogRefusal as exc:
        raise HTTPException(exc.status, str(exc)) from None


# -- providers


@router.get("/providers", response_model=ProviderList)
async def list_providers(_admin: AdminUser, runtime: RuntimeDep) -> ProviderList:
    """Every provider, from the file and the API, in catalog order; keys never included."""
    return ProviderList(items=runtime.catalog_admin.providers())


@router.post(
    "/providers",
    response_model=ProviderOut,
    status_code=status.HTTP_201_CREATED,
    responses=CREATED,
)
async def create_provider(
    body: ProviderCreate, caller: AdminCaller, runtime: RuntimeDep
) -> ProviderOut:
    """``api_key`` is stored encrypted (needs CATALOG_SECRET_KEY); or name api_key_env or
    api_key_file, read by every replica. Audited, as every change here."""
    with _answered():
        return await runtime.catalog_admin.create_provider(body, caller)


@router.get("/providers/{provider_id}", response_model=ProviderOut, responses=READ)
async def get_provider(
    provider_id: ProviderId, _admin: AdminUser, runtime: RuntimeDep
) -> ProviderOut:
    with _answered():
        return runtime.catalog_admin.provider(provider_id)


@router.patch("/providers/{provider_id}", response_model=ProviderOut, responses=CHANGED)
async def update_provider(
    provider_id: ProviderId, body: ProviderUpdate, caller: AdminCaller, runtime: RuntimeDep
) -> ProviderOut:
    with _answered():
        return await runtime.catalog_admin.update_provider(provider_id, body, caller)


@router.delete(
    "/providers/{provider_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404, 409, 422, describe={409: f"{READ_ONLY}, or models use the provider"}),
)
async def delete_provider(
    provider_id: ProviderId, caller: AdminCaller, runtime: RuntimeDep
) -> Response:
    with _answered():
        await runtime.catalog_admin.delete_provider(provider_id, caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- models


@router.get("/models", response_model=ModelList)
async def list_models(_admin: AdminUser, runtime: RuntimeDep) -> ModelList:
    """Every model, usable or not, whoever may use it, in catalog order."""
    return ModelList(items=runtime.catalog_admin.models())


@router.post(
    "/models", response_model=ModelOut, status_code=status.HTTP_201_CREATED, responses=CREATED
)
async def create_model(body: ModelSpec, caller: AdminCaller, runtime: RuntimeDep) -> ModelOut:
    with _answered():
        return await runtime.catalog_admin.create_model(body, caller)


@router.get("/models/{model_id}", response_model=ModelOut, responses=READ)
async def get_model(model_id: ModelId, _admin: AdminUser, runtime: RuntimeDep) -> ModelOut:
    with _answered():
        return runtime.catalog_admin.model(model_id)


@router.patch("/models/{model_id}", response_model=ModelOut, responses=CHANGED)
async def update_model(
    model_id: ModelId, body: ModelUpdate, caller: AdminCaller, runtime: RuntimeDep
) -> ModelOut:
    with _answered():
        return await runtime.catalog_admin.update_model(model_id, body, caller)


@router.delete(
    "/models/{model_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404, 409, 422, describe={409: READ_ONLY}),
)
async def delete_model(model_id: ModelId, caller: AdminCaller, runtime: RuntimeDep) -> Response:
    with _answered():
        await runtime.catalog_admin.delete_model(model_id, caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
