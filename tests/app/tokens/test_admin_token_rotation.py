"""Replacing ``SHOMEI_ADMIN_TOKEN`` rotates the service-admin token: at the next start the token it replaced
(or the one generated at a first start without it) is revoked, so a leaked admin token stops working once
the operator sets another. Service-admin tokens have no other way to be revoked."""

from __future__ import annotations

from app.errors import problem_type
from app.main import create_app
from app.testing import SyncClient
from tests.conftest import make_settings

OLD = "shm_rotation-old-admin-token-0123456789"
NEW = "shm_rotation-new-admin-token-9876543210"


def _issuers_status(url: str, configured: str, used: str) -> tuple[int, str | None]:
    client = SyncClient(create_app(make_settings(url, admin_token=configured)))
    try:
        r = client.get("/v1/issuers", headers={"Authorization": f"Bearer {used}"})
        return r.status_code, r.json().get("type") if r.status_code != 200 else None
    finally:
        client.close()


def test_a_replaced_admin_token_is_revoked_at_the_next_start(fresh_database: str) -> None:
    assert _issuers_status(fresh_database, OLD, OLD) == (200, None)
    assert _issuers_status(fresh_database, NEW, NEW) == (200, None)
    assert _issuers_status(fresh_database, NEW, OLD) == (401, problem_type("invalid-token"))
    # Configuring the old one again does not bring it back (it was revoked), nor revokes the new one.
    assert _issuers_status(fresh_database, OLD, OLD) == (401, problem_type("invalid-token"))
    assert _issuers_status(fresh_database, OLD, NEW) == (200, None)
