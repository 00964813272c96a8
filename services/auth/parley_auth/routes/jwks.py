"""The public keys, as the JWKS document chat and others verify tokens with."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from parley_auth.deps import RuntimeDep

router = APIRouter(tags=["keys"])


@router.get("/auth/.well-known/jwks.json")
async def jwks(runtime: RuntimeDep, response: Response) -> dict[str, Any]:
    """Every public key (RFC 7517), first one currently signing."""
    response.headers["Cache-Control"] = f"public, max-age={runtime.settings.JWKS_MAX_AGE_SECONDS}"
    return runtime.access_tokens.jwks
