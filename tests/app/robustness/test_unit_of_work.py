"""A request's unit of work ends with the request: committed when the route returns, rolled back and its
connection given back when an error leaves the route (a 404 after a lookup, a refused verification), on
read-write and read-only sessions alike; nothing waits for the garbage collector to close it."""

from __future__ import annotations

import time

from sqlalchemy.pool import Pool

from app.state import app_state
from app.testing import SyncClient
from tests.conftest import ADMIN, make_tenant


def _back_to(pool: Pool, idle: int) -> bool:
    """Whether the pool's checked-out connections come back to ``idle``: at once unless the app's own
    background threads (the webhook dispatcher, the job worker) hold one for a moment; a connection a
    request leaked never comes back."""
    deadline = time.monotonic() + 2.0
    while pool.checkedout() != idle:  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_no_connection_is_left_checked_out_after_an_error(client: SyncClient) -> None:
    pool = app_state(client.app).engine.pool
    slug, _token = make_tenant(client)
    assert client.get(f"/v1/issuers/{slug}", headers=ADMIN).status_code == 200
    idle = 0  # between requests, nothing of ours holds a connection
    # Read-write session: the tenant lookup runs a query, then the route fails with a problem.
    r = client.get("/v1/issuers/no-such-issuer-anywhere", headers=ADMIN)
    assert r.status_code == 404
    assert _back_to(pool, idle)
    # Read-only session: a credential URL of ours that names no credential is looked up, then refused.
    r = client.post(
        "/v1/verify", json={"url": "https://shomei.test/credentials/00000000-0000-4000-8000-000000000000"}
    )
    assert r.status_code in (400, 404), r.text
    assert _back_to(pool, idle)
