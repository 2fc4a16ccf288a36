"""Several processes migrating one fresh PostgreSQL database at once (uvicorn --workers with
SHOMEI_AUTO_MIGRATE): one migrates, the others wait for it and find the database at the head."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.db.migrate import unmigrated, upgrade
from tests.conftest import create_pg_database


@pytest.mark.postgres
def test_concurrent_upgrades_of_a_fresh_database_all_succeed() -> None:
    url, drop = create_pg_database()
    engines = [sa.create_engine(url) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def run(engine: sa.Engine) -> None:
        start.wait()
        try:
            upgrade(engine)
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert unmigrated(engines[0]) is None
    finally:
        for engine in engines:
            engine.dispose()
        drop()
