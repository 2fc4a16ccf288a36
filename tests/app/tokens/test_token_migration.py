"""Migration 0006 on SQLite and PostgreSQL: stored token prefixes cut to what reveals nothing (tenant tokens to
6 characters, service-wide tokens cleared), ``expires_at`` added; its downgrade revokes the tokens that had an
expiry before it drops the column."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.db.migrate import downgrade, unmigrated, upgrade
from tests.databases import fresh_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh, empty database per test."""
    with fresh_engine(request.param, tmp_path) as eng:
        yield eng


_TOKENS = sa.table(
    "api_tokens",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("scopes", sa.JSON()),
    sa.column("token_hash", sa.String()),
    sa.column("prefix", sa.String()),
    sa.column("created_at", sa.DateTime()),
    sa.column("revoked_at", sa.DateTime()),
)
_TENANTS = sa.table(
    "tenants",
    sa.column("id", sa.Uuid()),
    sa.column("slug", sa.String()),
    sa.column("name", sa.String()),
    sa.column("url", sa.String()),
    sa.column("email", sa.String()),
    sa.column("address", sa.JSON()),
    sa.column("other_identifiers", sa.JSON()),
    sa.column("did_method", sa.String()),
    sa.column("created_at", sa.DateTime()),
    sa.column("updated_at", sa.DateTime()),
)
_NOW = dt.datetime(2026, 12, 1, 12, 0, 0)


def _token(tenant_id: uuid.UUID | None, prefix: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "name": "t",
        "scopes": ["read"],
        "token_hash": uuid.uuid4().hex + uuid.uuid4().hex,
        "prefix": prefix,
        "created_at": _NOW,
        "revoked_at": None,
    }


def insert_tenant(conn: sa.Connection, tenant_id: uuid.UUID, slug: str) -> None:
    """A tenant row as the early revisions have them (columns of revision 0001)."""
    conn.execute(
        _TENANTS.insert().values(
            id=tenant_id,
            slug=slug,
            name=slug.title(),
            url=f"https://{slug}.example",
            email=f"a@{slug}.example",
            address={"addressCountryCode": "NL"},
            other_identifiers=[],
            did_method="web",
            created_at=_NOW,
            updated_at=_NOW,
        )
    )


def _prefixes(engine: sa.Engine) -> dict[uuid.UUID, str]:
    with engine.connect() as conn:
        return {row.id: row.prefix for row in conn.execute(sa.select(_TOKENS.c.id, _TOKENS.c.prefix))}


def test_upgrade_cuts_stored_prefixes_and_the_downgrade_revokes_expiring_tokens(engine: sa.Engine) -> None:
    upgrade(engine, "0005")
    assert unmigrated(engine) is not None
    tenant_id = uuid.uuid4()
    tenant_token = _token(tenant_id, "shm_AbCdEfGh")  # the old 12 characters of a generated token
    admin_token = _token(None, "shm_test-adm")  # 12 of a short SHOMEI_ADMIN_TOKEN
    with engine.begin() as conn:
        insert_tenant(conn, tenant_id, "uni-m")
        conn.execute(_TOKENS.insert(), [tenant_token, admin_token])

    upgrade(engine)
    assert unmigrated(engine) is None
    prefixes = _prefixes(engine)
    assert prefixes[tenant_token["id"]] == "shm_Ab"
    assert prefixes[admin_token["id"]] == ""

    expiry = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    expired = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    future, past = _token(tenant_id, "shm_Xy"), _token(tenant_id, "shm_Zz")
    expiring = sa.table("api_tokens", sa.column("id", sa.Uuid()), sa.column("expires_at", sa.DateTime()))
    with engine.begin() as conn:
        conn.execute(_TOKENS.insert(), [future, past])
        for row, when in ((future, expiry), (past, expired)):
            stored = when.replace(tzinfo=None) if engine.dialect.name == "sqlite" else when
            conn.execute(expiring.update().where(expiring.c.id == row["id"]).values(expires_at=stored))

    downgrade(engine, "0005")
    assert "expires_at" not in {c["name"] for c in sa.inspect(engine).get_columns("api_tokens")}
    with engine.connect() as conn:
        revoked = {
            row.id: row.revoked_at for row in conn.execute(sa.select(_TOKENS.c.id, _TOKENS.c.revoked_at))
        }
    assert revoked[tenant_token["id"]] is None and revoked[admin_token["id"]] is None
    assert revoked[future["id"]] is not None
    revoked_past = revoked[past["id"]]
    assert revoked_past is not None and revoked_past.replace(tzinfo=None) == expired.replace(tzinfo=None)
    # The characters cut are gone for good: the downgrade leaves the prefixes as they are.
    assert _prefixes(engine)[tenant_token["id"]] == "shm_Ab"
    upgrade(engine)
    assert unmigrated(engine) is None
