"""The tenant guard (tests/tenant_guard.py) against an in-memory SQLite database with the real models: it
catches a query without the tenant filter, and lets a filtered one and a ``cross_tenant`` one pass."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.base import Base
from app.db.models import ApiToken, Credential, CredentialDocument, StatusList, Tenant
from app.db.tenancy import cross_tenant
from tests.paths import ROOT
from tests.tenant_guard import TenantGuard, uncovered_tables

TENANT = uuid.uuid4()


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=True)


@pytest.fixture
def guard(engine: Engine, factory: sessionmaker[Session]) -> Iterator[TenantGuard]:
    guard = TenantGuard(origins=(Path(__file__).parent,))  # this file plays the app
    guard.install(sessions=factory, engine=engine)
    try:
        yield guard
    finally:
        guard.uninstall()


def _tables(guard: TenantGuard) -> list[list[str]]:
    return [v.tables for v in guard.violations]


def test_an_unfiltered_orm_query_is_caught_with_its_call_site(
    guard: TenantGuard, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        for _ in range(2):
            session.scalars(select(Credential)).all()
    [violation] = guard.violations
    assert violation.tables == ["credentials"]
    assert violation.site.startswith("tests/rules/test_tenant_guard.py:")
    assert violation.site.endswith("in test_an_unfiltered_orm_query_is_caught_with_its_call_site")
    assert violation.count == 2
    assert violation.statement.startswith("SELECT credentials.id")


def test_a_filtered_query_and_a_cross_tenant_one_pass(
    guard: TenantGuard, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        session.scalars(select(Credential).where(Credential.tenant_id == TENANT)).all()
        session.scalars(
            select(Credential).where(Credential.tenant_id.in_([TENANT]), Credential.id == TENANT)
        ).all()
        with cross_tenant("a public credential URL names the credential, not the tenant"):
            session.scalars(select(Credential).where(Credential.id == TENANT)).all()
            session.get(Credential, TENANT)
    assert guard.violations == []


def test_get_and_an_update_by_primary_key_lack_the_filter(
    guard: TenantGuard, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        session.get(Credential, TENANT)
        session.execute(update(ApiToken).where(ApiToken.id == TENANT).values(name="x"))
    assert _tables(guard) == [["credentials"], ["api_tokens"]]


def test_core_statements_on_a_plain_connection_are_checked(guard: TenantGuard, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == TENANT).values(name="x"))
        conn.execute(delete(ApiToken).where(ApiToken.tenant_id == TENANT))
        conn.execute(text("SELECT count(*) FROM signing_keys"))
        conn.execute(text("SELECT count(*) FROM signing_keys WHERE tenant_id = :t"), {"t": TENANT.hex})
    assert _tables(guard) == [["api_tokens"], ["signing_keys"]]


def test_the_unit_of_work_and_reloads_of_held_rows_pass(
    guard: TenantGuard, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        tenant = Tenant(slug="t", name="T", url="https://t.example", email="a@t.example", address={})
        session.add(tenant)
        session.flush()
        token = ApiToken(tenant_id=tenant.id, name="ci", scopes=["read"], token_hash="0" * 64, prefix="shm_")
        session.add(token)
        session.commit()
        token.name = "renamed"  # a refresh of the expired row, then an UPDATE … WHERE id = ? at the flush
        session.commit()
        session.delete(token)
        session.commit()
    assert guard.violations == []


def test_code_outside_the_origins_is_not_checked(engine: Engine, factory: sessionmaker[Session]) -> None:
    guard = TenantGuard(origins=(Path(__file__).parent / "elsewhere",))
    guard.install(sessions=factory, engine=engine)
    try:
        with factory() as session:
            session.scalars(select(Credential)).all()
    finally:
        guard.uninstall()
    assert guard.violations == []


@pytest.mark.parametrize(
    ("build", "uncovered"),
    [
        # a criterion covers its own table only
        (
            lambda: (
                select(Credential)
                .join(StatusList, StatusList.id == Credential.status_list_id)
                .where(Credential.tenant_id == TENANT)
            ),
            ["status_lists"],
        ),
        # ... or a table whose tenant_id equals a covered one
        (
            lambda: (
                select(Credential)
                .join(StatusList, StatusList.tenant_id == Credential.tenant_id)
                .where(Credential.tenant_id == TENANT)
            ),
            [],
        ),
        # through the tenants table, pinned by its slug
        (
            lambda: (
                select(Credential).join(Tenant, Tenant.id == Credential.tenant_id).where(Tenant.slug == "x")
            ),
            [],
        ),
        (lambda: select(Credential).join(Tenant, Tenant.id == Credential.tenant_id), ["credentials"]),
        # an OR does not filter
        (
            lambda: select(Credential).where(or_(Credential.tenant_id == TENANT, Credential.id == TENANT)),
            ["credentials"],
        ),
        (lambda: select(func.count()).select_from(Credential), ["credentials"]),
        # a subquery is checked on its own; a correlated table keeps the outer criterion
        (
            lambda: select(Credential).where(
                Credential.tenant_id == TENANT,
                exists().where(CredentialDocument.credential_id == Credential.id),
            ),
            ["credential_documents"],
        ),
        (
            lambda: select(Credential).where(
                Credential.tenant_id == TENANT,
                exists().where(
                    CredentialDocument.credential_id == Credential.id,
                    CredentialDocument.tenant_id == Credential.tenant_id,
                ),
            ),
            [],
        ),
        (
            lambda: select(Credential).where(
                Credential.tenant_id.in_(select(Tenant.id).where(Tenant.slug == "x"))
            ),
            [],
        ),
        (lambda: update(Credential).where(Credential.id == TENANT).values(status="revoked"), ["credentials"]),
        (lambda: delete(Credential).where(Credential.tenant_id == TENANT), []),
        (lambda: select(Tenant).where(Tenant.slug == "x"), []),
        (
            lambda: select(Credential).union(select(Credential).where(Credential.tenant_id == TENANT)),
            ["credentials"],
        ),
    ],
)
def test_what_counts_as_a_tenant_criterion(build: Callable[[], object], uncovered: list[str]) -> None:
    assert uncovered_tables(build()) == uncovered


PROBE = """
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.db.base import Base
from app.db.models import Credential
from app.db.tenancy import cross_tenant
from tests.paths import ROOT

APP_CODE = "from sqlalchemy import select\\ndef query(session, select, model):\\n    session.scalars(select(model)).all()\\n"
app = {}
exec(compile(APP_CODE, str(ROOT / "app" / "probe.py"), "exec"), app)  # counts as code in app/


def _session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    return Session(engine)


def test_unfiltered():
    with _session() as session:
        app["query"](session, select, Credential)


def test_crossing():
    with _session() as session, cross_tenant("probe"):
        app["query"](session, select, Credential)
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "1"]], ids=["plain", "xdist"])
def test_the_plugin_fails_the_session_with_the_list(tmp_path: Path, xdist: list[str]) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    options = [
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "tests.tenant_guard",
        "--noconftest",
        "-c",
        str(tmp_path / "pytest.ini"),
    ]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *options, "--rootdir", str(tmp_path), *xdist, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "SHOMEI_TENANT_GUARD": "1", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    summary = run.stdout.split("tenant guard", 1)[1]
    assert "1 queries on tenant-owned tables without a tenant_id criterion" in summary
    assert "app/probe.py:3 in query: credentials without a tenant_id criterion (1x, first in" in summary
    assert "test_probe.py::test_unfiltered" in summary
