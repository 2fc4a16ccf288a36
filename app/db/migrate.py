"""Run Alembic programmatically (``shomei db upgrade`` and the embedded start-up), and tell whether a
database's schema is behind the code (``unmigrated``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import migrations

__all__ = ["alembic_config", "downgrade", "unmigrated", "upgrade"]

MIGRATIONS_DIR = Path(migrations.__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


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
