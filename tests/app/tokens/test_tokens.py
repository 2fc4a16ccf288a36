"""API tokens (issue 14, secrets): what is stored in clear reveals nothing, and tokens may expire — on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import ApiToken
from app.errors import problem_type
from app.main import create_app
from app.state import app_state
from app.testing import SyncClient
from app.tokens.auth import hash_token
from tests.cli_runner import run_cli
from tests.conftest import ADMIN, ADMIN_TOKEN, bearer, make_settings, make_tenant


class MovableClock:
    """A clock the test sets (the app takes ``now`` from it)."""

    def __init__(self) -> None:
        self.current = dt.datetime.now(dt.UTC)

    def now(self) -> dt.datetime:
        return self.current


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def timed(database_url: str, clock: MovableClock) -> Iterator[SyncClient]:
    """An app on the session's database whose clock the test moves."""
    c = SyncClient(create_app(make_settings(database_url), clock=clock))
    try:
        yield c
    finally:
        c.close()


def _stored(client: SyncClient, token_id: str) -> ApiToken:
    with app_state(client.app).sessionmaker() as session:
        row = session.get(ApiToken, uuid.UUID(token_id))
        assert row is not None
        session.expunge(row)
        return row


def _stored_by_token(client: SyncClient, token: str) -> ApiToken:
    with app_state(client.app).sessionmaker() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).one()
        session.expunge(row)
        return row


def _create(client: SyncClient, slug: str, admin: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/v1/issuers/{slug}/tokens", json={"scopes": ["read"], **body}, headers=bearer(admin))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_token_is_named_by_a_random_id_and_at_most_6_of_its_characters(client: SyncClient) -> None:
    slug, admin = make_tenant(client)
    created = _create(client, slug, admin)
    token = created["token"]
    assert len(token) >= 32
    assert created["prefix"] == token[:6]
    listed = next(
        t for t in client.get(f"/v1/issuers/{slug}/tokens", headers=ADMIN).json() if t["id"] == created["id"]
    )
    assert listed["prefix"] == token[:6] and uuid.UUID(listed["id"]).version == 4
    row = _stored(client, created["id"])
    assert row.prefix == token[:6]
    stored = " ".join(str(v) for v in (row.id, row.name, row.scopes, row.prefix, row.token_hash))
    assert token[6:12] not in stored and token[-6:] not in stored


def test_a_short_admin_token_keeps_nothing_in_clear(client: SyncClient) -> None:
    """The tests' admin token has 31 characters: none of them is stored (it is allowed outside production)."""
    assert len(ADMIN_TOKEN) < 32
    assert client.get("/v1/issuers", headers=ADMIN).status_code == 200
    assert _stored_by_token(client, ADMIN_TOKEN).prefix == ""


def test_an_expiring_token_works_until_its_expiry_then_is_refused(
    timed: SyncClient, clock: MovableClock
) -> None:
    slug, admin = make_tenant(timed)
    expires = (clock.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    created = _create(timed, slug, admin, expires_at=expires.isoformat())
    assert dt.datetime.fromisoformat(created["expires_at"]) == expires
    listed = {t["id"]: t for t in timed.get(f"/v1/issuers/{slug}/tokens", headers=bearer(admin)).json()}
    assert dt.datetime.fromisoformat(listed[created["id"]]["expires_at"]) == expires
    assert _stored(timed, created["id"]).expires_at == expires
    token = created["token"]
    assert timed.get(f"/v1/issuers/{slug}", headers=bearer(token)).status_code == 200

    clock.current = expires - dt.timedelta(seconds=1)
    assert timed.get(f"/v1/issuers/{slug}", headers=bearer(token)).status_code == 200
    clock.current = expires
    r = timed.get(f"/v1/issuers/{slug}", headers=bearer(token))
    assert r.status_code == 401 and r.json()["type"] == problem_type("token-expired")
    assert r.headers["www-authenticate"] == "Bearer"
    # Tokens without an expiry are untouched by the passing time.
    clock.current = expires + dt.timedelta(days=3650)
    assert timed.get(f"/v1/issuers/{slug}", headers=bearer(admin)).status_code == 200


def test_a_revoked_token_with_an_expiry_is_refused_as_revoked(timed: SyncClient, clock: MovableClock) -> None:
    slug, admin = make_tenant(timed)
    created = _create(timed, slug, admin, expires_at=(clock.now() + dt.timedelta(minutes=5)).isoformat())
    assert (
        timed.delete(f"/v1/issuers/{slug}/tokens/{created['id']}", headers=bearer(admin)).status_code == 200
    )
    r = timed.get(f"/v1/issuers/{slug}", headers=bearer(created["token"]))
    assert r.status_code == 401 and r.json()["type"] == problem_type("invalid-token")


def test_tokens_without_an_expiry_list_none(client: SyncClient) -> None:
    slug, admin = make_tenant(client)
    created = _create(client, slug, admin)
    assert created["expires_at"] is None
    listed = client.get(f"/v1/issuers/{slug}/tokens", headers=bearer(admin)).json()
    assert listed and all("expires_at" in t for t in listed)


@pytest.mark.parametrize(
    ("expires_at", "ptype"),
    [
        ("past", "invalid-token-expiry"),
        ("now", "invalid-token-expiry"),
        ("2030-01-01T00:00:00", "validation-error"),  # no time zone
        ("9999-12-31T23:59:59-01:00", "validation-error"),  # beyond year 9999 in UTC
        ("not a time", "validation-error"),
    ],
)
def test_an_expiry_that_is_not_a_future_time_is_refused(
    timed: SyncClient, clock: MovableClock, expires_at: str, ptype: str
) -> None:
    slug, admin = make_tenant(timed)
    value = {"past": clock.now() - dt.timedelta(seconds=1), "now": clock.now()}.get(expires_at)
    before = timed.get(f"/v1/issuers/{slug}/tokens", headers=bearer(admin)).json()
    r = timed.post(
        f"/v1/issuers/{slug}/tokens",
        json={"scopes": ["read"], "expires_at": value.isoformat() if value else expires_at},
        headers=bearer(admin),
    )
    assert r.status_code == 422 and r.json()["type"] == problem_type(ptype)
    assert timed.get(f"/v1/issuers/{slug}/tokens", headers=bearer(admin)).json() == before


def test_the_cli_creates_an_expiring_token_and_refuses_a_past_expiry(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(
            {"SHOMEI_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "SHOMEI_ENVIRONMENT": "test"}, *args
        )

    assert cli("db", "upgrade").returncode == 0
    created = cli(
        "tenant", "create", "cli-exp", "--name", "Uni", "--url", "https://u.example", "--email", "a@u.example",
        "--country", "JP",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    r = cli("token", "create", "cli-exp", "--scope", "read", "--expires-at", "2099-01-31T00:00:00Z")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["expires_at"].startswith("2099-01-31T00:00:00") and out["prefix"] == out["token"][:6]
    r = cli("token", "create", "cli-exp", "--scope", "read", "--expires-at", "2001-01-31T00:00:00Z")
    assert (
        r.returncode == 1
        and r.stderr.startswith("error: invalid-token-expiry:")
        and "Traceback" not in r.stderr
    )
