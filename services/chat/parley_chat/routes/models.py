"""The models a user may pick: ``GET /api/models``, read from the in-memory catalog."""

from __future__ import annotations

from fastapi import APIRouter
from parley_common.openapi import responses

from parley_chat.catalog import ModelNotAllowed
from parley_chat.catalog.api import AvailableModel, AvailableModels
from parley_chat.deps import CurrentUser, RuntimeDep

# No database read, but the token check may answer 401 or 403 (EMAIL_NOT_VERIFIED), and
# every route of the service may answer 503 while it shuts down.
router = APIRouter(prefix="/api/models", tags=["models"], responses=responses(401, 403, 503))


@router.get("", response_model=AvailableModels)
async def list_models(user: CurrentUser, runtime: RuntimeDep) -> AvailableModels:
    """Usable models the caller's groups allow, in catalog order, with the default marked:
    the model a turn without one uses."""
    snapshot = runtime.catalog.current
    try:
        default: str | None = snapshot.resolve(None, user.groups).id
    except ModelNotAllowed:
        default = None
    return AvailableModels(
        items=[
            AvailableModel(
                id=m.id,
                display_name=m.display_name,
                context_tokens=m.context_tokens,
                max_output_tokens=m.max_output_tokens,
                default=m.id == default,
            )
            for m in snapshot.available_to(user.groups)
        ],
        default_model=default,
    )
