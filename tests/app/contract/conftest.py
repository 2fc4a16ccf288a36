"""The contract tests' shared issuer: its resources made once per database (``client``)."""

from __future__ import annotations

import pytest

from app.testing import SyncClient
from tests.app.contract.world import World, make_world


@pytest.fixture(scope="session")
def world(client: SyncClient) -> World:
    return make_world(client)
