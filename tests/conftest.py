"""Shared fixtures: databases (SQLite and PostgreSQL), settings, a sync client over ASGI (``SyncClient``, from
app/testing.py), checkers."""

from __future__ import annotations

import base64
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.main import create_app
from app.settings import Settings
from app.testing import BASE_URL, SyncClient, in_process_settings
from tests.paths import ROOT

__all__ = [
    "ADMIN",
    "ADMIN_TOKEN",
    "BASE_URL",
    "IN_CI",
    "ROOT",
    "TEST_KEK",
    "SyncClient",
    "bearer",
    "create_pg_database",
    "make_settings",
    "make_tenant",
    "new_slug",
    "tenant_body",
]

# SHOMEI_TENANT_GUARD=1: fail the session on any query of a tenant-owned table without the tenant filter.
# The log scan (always on): fail the session when a log record holds a token, recipient, tx_code or key.
pytest_plugins = ["tests.tenant_guard", "tests.log_scan"]

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("SHOMEI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ADMIN_TOKEN = "shm_test-admin-token-0123456789"
TEST_KEK = base64.b64encode(b"k" * 32).decode()


def _pg_available() -> str | None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(
            PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def require_postgres() -> None:
    """Fail under CI=true when PostgreSQL is unreachable; skip elsewhere."""
    problem = _pg_available()
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI and is unreachable: {problem}")
    pytest.skip(f"PostgreSQL unreachable: {problem}")


def create_pg_database() -> tuple[str, Any]:
    """Create a fresh database; returns its URL and a function that drops it."""
    import sqlalchemy as sa

    require_postgres()
    name = f"shomei_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new database of ``backend``: a SQLite file in ``folder``, or a PostgreSQL database
    dropped when the iterator is closed."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'shomei.db'}"
        return
    url, drop = create_pg_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="session", params=_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database per backend per test session, schema made by the real migrations (at app start)."""
    yield from _database(request.param, tmp_path_factory.mktemp("db"))


@pytest.fixture(params=_BACKENDS)
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no other test uses, for one test (the app or server migrates it at start): for what
    the session's shared database cannot show, a fresh start or a count no other app changes."""
    yield from _database(request.param, tmp_path)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """The in-process settings with the tests' admin token, KEK and base URL."""
    return in_process_settings(
        database_url,
        **{"admin_token": ADMIN_TOKEN, "kek": TEST_KEK, "public_base_url": BASE_URL, **overrides},
    )


@pytest.fixture(scope="session")
def client(database_url: str) -> Iterator[SyncClient]:
    app = create_app(make_settings(database_url))
    c = SyncClient(app)
    try:
        yield c
    finally:
        c.close()


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def new_slug(prefix: str = "uni") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def tenant_body(slug: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": slug,
        "name": f"University {slug}",
        "url": "https://www.example.edu",
        "email": "registrar@example.edu",
        "address": {"addressCountryCode": "NL", "addressLocality": "Utrecht"},
    }
    body.update(extra)
    return body


def make_tenant(client: SyncClient, *, scopes: list[str] | None = None, **extra: Any) -> tuple[str, str]:
    """Create a tenant with an Ed25519 key; returns (slug, token with the given scopes)."""
    slug = new_slug()
    r = client.post("/v1/issuers", json=tenant_body(slug, **extra), headers=ADMIN)
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "Ed25519"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    r = client.post(
        f"/v1/issuers/{slug}/tokens",
        json={"scopes": scopes or ["issue", "revoke", "read", "admin"]},
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    return slug, r.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def crosscheck_dir() -> Path | None:
    """The installed vc-crosscheck checker (``make tools`` copies it to .tools/), or None."""
    for candidate in (ROOT / ".tools" / "vc-crosscheck", ROOT.parent / "shared" / "tools" / "vc-crosscheck"):
        if (candidate / "node_modules").is_dir() and shutil.which("node"):
            return candidate
    return None


@pytest.fixture(scope="session")
def crosscheck() -> Path:
    """The independent checker; skipped when absent, a failure under CI=true."""
    path = crosscheck_dir()
    if path is None:
        if IN_CI:
            pytest.fail("vc-crosscheck is not installed (run `make tools`): required in CI")
        pytest.skip("vc-crosscheck not installed (run `make tools`)")
    return path
