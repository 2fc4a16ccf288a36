"""Every migration, up and down, keeps the rows that refer to the tables it changes: on SQLite a table that
must be recreated (Alembic's batch copy, drop, rename) would otherwise cascade its drop to every row that
refers to it (``ON DELETE CASCADE``), as migration 0010's change to ``tenants`` once deleted every token.
app.db.migrate runs migrations with SQLite's foreign keys off and checks them before committing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.db.migrate import downgrade, upgrade
from tests.app.tokens.test_token_migration import _TENANTS, _TOKENS, _token, insert_tenant
from tests.databases import fresh_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    with fresh_engine(request.param, tmp_path) as eng:
        yield eng


def _count(engine: sa.Engine, table: sa.TableClause) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_tokens_survive_every_revision_up_and_down(engine: sa.Engine) -> None:
    upgrade(engine, "0006")
    tenant_id = uuid.uuid4()
    with engine.begin() as conn:
        insert_tenant(conn, tenant_id, "uni-k")
        conn.execute(_TOKENS.insert(), [_token(tenant_id, "shm_Ab"), _token(tenant_id, "shm_Cd")])
    upgrade(engine)
    assert (_count(engine, _TENANTS), _count(engine, _TOKENS)) == (1, 2)
    downgrade(engine, "0006")
    assert (_count(engine, _TENANTS), _count(engine, _TOKENS)) == (1, 2)
    upgrade(engine)
    assert (_count(engine, _TENANTS), _count(engine, _TOKENS)) == (1, 2)
