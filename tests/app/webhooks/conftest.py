"""Fixtures of the webhook tests: an app of their own per backend (a fresh database, a dispatcher that polls
every 50 ms and retries after 50 ms), so that no other test's app delivers their events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.main import create_app
from app.testing import SyncClient
from tests.conftest import make_settings
from tests.databases import fresh_database

FAST = {"webhook_poll_seconds": 0.05, "webhook_retry_base_seconds": 0.05}


def webhook_app(url: str, **overrides: Any) -> SyncClient:
    return SyncClient(create_app(make_settings(url, **{**FAST, **overrides})))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(request.param, Path(tmp_path_factory.mktemp("webhooks"))) as url:
        yield url


@pytest.fixture(scope="module")
def wh_client(backend_url: str) -> Iterator[SyncClient]:
    client = webhook_app(backend_url)
    try:
        yield client
    finally:
        client.close()
