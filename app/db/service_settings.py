"""Facts the running service records about itself (``service_settings``): the public base URL it serves,
written at start, read by the CLI so that its did:web DIDs are the server's without the server's
environment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import ServiceSetting

__all__ = ["PUBLIC_BASE_URL", "read", "record"]

PUBLIC_BASE_URL = "public_base_url"


def record(session: Session, name: str, value: str, *, now: dt.datetime) -> None:
    """Set ``name`` to ``value`` (a concurrent start of another worker may write the same first)."""
    row = session.get(ServiceSetting, name)
    if row is not None:
        row.value, row.updated_at = value, now
        return
    try:
        with session.begin_nested():
            session.add(ServiceSetting(name=name, value=value, updated_at=now))
    except IntegrityError:
        pass


def read(session: Session, name: str) -> str | None:
    row = session.get(ServiceSetting, name)
    return row.value if row is not None else None
