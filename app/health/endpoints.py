"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from app.deps import SessionDep
from app.errors import ServiceUnavailable

router = APIRouter(tags=["public"])


_CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}


@router.get("/healthz")
def healthz() -> dict[str, Any]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep) -> dict[str, Any]:
    """Readiness: the database answers."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable("the database is not reachable", type_name="database-unavailable") from exc
    return {"status": "ready", "database": "ok"}
