"""Engine and session factory, created by the app factory (never at import time)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["READ_ONLY", "make_engine", "make_read_sessionmaker", "make_sessionmaker"]

# Execution option of the engine behind read-only sessions (verification): on SQLite their transaction
# begins DEFERRED, a reader beside the writers instead of one more writer in their queue (BEGIN IMMEDIATE
# serialized every verification of every worker); on PostgreSQL it is READ ONLY, so a write fails loudly.
READ_ONLY = "shomei_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        if ":///" in url:
            from pathlib import Path

            db_path = url.split(":///", 1)[1].split("?", 1)[0]
            if db_path and db_path != ":memory:":
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, emit BEGIN so that BEGIN IMMEDIATE works.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers serialize at BEGIN instead of failing on lock upgrade later; readers do not queue.
            read_only = conn.get_execution_options().get(READ_ONLY)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "begin")
    def _read_only(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for requests that only read (:data:`READ_ONLY`)."""
    return sessionmaker(
        engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False, info={READ_ONLY: True}
    )
