"""The readiness query: does the database answer?"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["ping"]


def ping(session: Session) -> None:
    """Run ``SELECT 1``; raises whatever the driver raises when the database does not answer."""
    session.execute(text("SELECT 1"))
