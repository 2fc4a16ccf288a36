"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.deps import SessionDep
from app.health import service as health

__all__ = ["router"]

router = APIRouter(tags=["public"])


@router.get("/healthz")
def healthz() -> dict[str, Any]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep) -> dict[str, Any]:
    """Readiness: the database answers."""
    health.check_database(session)
    return {"status": "ready", "database": "ok"}
