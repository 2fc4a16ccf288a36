"""Fresh, empty databases for tests that run migrations or start the app themselves: a SQLite file or a new
PostgreSQL database (dropped afterwards), as a URL or as an engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from app.db.session import make_engine
from tests.conftest import create_pg_database

__all__ = ["fresh_database", "fresh_engine"]


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no schema: ``backend`` ``sqlite`` (a file under ``tmp_path``) or
    ``postgresql`` (created now, dropped on exit)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url, drop = create_pg_database()
        try:
            yield url
        finally:
            drop()


@contextmanager
def fresh_engine(backend: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on :func:`fresh_database`, disposed of before the database is dropped."""
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
