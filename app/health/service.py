"""Readiness: whether the service can reach what it needs (the database)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import ServiceUnavailable
from app.health import repository

__all__ = ["check_database"]


def check_database(session: Session) -> None:
    """Raise ServiceUnavailable unless the database answers."""
    try:
        repository.ping(session)
    except Exception as exc:
        raise ServiceUnavailable("the database is not reachable", type_name="database-unavailable") from exc
