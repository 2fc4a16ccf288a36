"""Run Alembic programmatically (``shomei db upgrade`` and the embedded start-up), and tell whether a
database's schema is behind the code (``unmigrated``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import migrations

__all__ = ["MigrationIntegrityError", "alembic_config", "downgrade", "unmigrated", "upgrade"]

MIGRATIONS_DIR = Path(migrations.__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# The PostgreSQL advisory lock key taken while migrating (an arbitrary constant of this application).
_MIGRATION_LOCK = 0x5348_4F4D_4549


class MigrationIntegrityError(RuntimeError):
    """A migration left rows whose foreign keys point nowhere (SQLite's ``foreign_key_check``): the
    transaction is rolled back, so the database stays as it was."""


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run ``step`` in one transaction. On SQLite, foreign keys are off while it runs: a migration that
    must recreate a table (Alembic's batch mode: copy, drop, rename) would otherwise have the drop cascade
    to every row that refers to it (``ON DELETE CASCADE``), deleting a tenant's tokens, keys and
    credentials. The references are checked before the commit instead (``PRAGMA foreign_key_check``)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        # Straight to the driver, before the engine's BEGIN IMMEDIATE (SQLite ignores it in a transaction).
        raw = conn.connection.dbapi_connection
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # One migration at a time: several processes starting on a fresh database (uvicorn
                    # --workers with SHOMEI_AUTO_MIGRATE) would each create the schema, and all but one
                    # fail. The others wait here and then find the database at the head.
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                cfg.attributes["connection"] = conn
                step(cfg)
                if sqlite:
                    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if dangling:
                        tables = sorted({str(row[0]) for row in dangling})
                        raise MigrationIntegrityError(f"rows with dangling references in {', '.join(tables)}")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, lambda cfg: command.downgrade(cfg, revision))


def unmigrated(engine: Engine) -> str | None:
    """Why the database's schema is behind this code (empty, or at an older revision), else None.

    A revision this code does not know is a newer one (a newer release migrated the database first):
    that is not "behind", and the older code is left to run against it.
    """
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    heads = set(script.get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return None
    if not current:
        return f"the database has no schema (the code needs revision {', '.join(sorted(heads))})"
    known = {rev.revision for rev in script.walk_revisions()}
    if not current <= known:
        return None
    return (
        f"the database is at revision {', '.join(sorted(current))}, the code needs {', '.join(sorted(heads))}"
    )
