"""Migrations, append-only audit log and sealed keys, on real SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import models
from app.db.base import Base
from app.db.migrate import downgrade, upgrade
from app.db.session import make_sessionmaker
from app.keys import service as keys
from app.keystore import LocalKeyCustody
from app.settings import Settings, SettingsError
from app.tenants import service as tenants
from proofs.keys import KeyAlgorithm
from schemas.api import AddressIn, TenantCreate
from tests.databases import fresh_engine

TABLES = {
    "tenants",
    "api_tokens",
    "signing_keys",
    "audit_events",
    "achievement_templates",
    "achievement_template_versions",
    "credentials",
    "credential_documents",
    "status_list_stripes",
    "status_lists",
    "published_status_lists",
    "credential_offers",
    "oid4vci_nonces",
    "oid4vci_seen_jtis",
    "trust_lists",
    "service_settings",
    "oid4vci_authorizations",
    "webhook_endpoints",
    "webhook_events",
    "webhook_deliveries",
    "webhook_attempts",
    "issuance_jobs",
    "issuance_job_rows",
    "presentation_requests",
    "pathways",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh, empty database per test."""
    with fresh_engine(request.param, tmp_path) as eng:
        yield eng


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_autogenerate_clean_downgrade_and_again(engine: sa.Engine) -> None:
    assert _tables(engine) == set()
    upgrade(engine)
    assert _tables(engine) == TABLES
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    downgrade(engine, "base")
    assert _tables(engine) == set()
    upgrade(engine)
    assert _tables(engine) == TABLES


def _tenant(session: sa.orm.Session) -> models.Tenant:
    body = TenantCreate(
        slug="uni-x",
        name="Uni X",
        url="https://x.example",
        email="a@x.example",
        address=AddressIn(addressCountryCode="DE"),
    )
    return tenants.create(session, body, actor=None)


def test_audit_log_is_append_only(engine: sa.Engine) -> None:
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        _tenant(session)
    with factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(models.AuditEvent)) == 1
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
            conn.execute(sa.text(statement))
    with factory() as session:
        assert session.scalars(sa.select(models.AuditEvent.action)).all() == ["tenant.create"]


def test_private_keys_are_sealed_at_rest(engine: sa.Engine) -> None:
    upgrade(engine)
    custody = LocalKeyCustody(kek=b"q" * 32)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        tenant = _tenant(session)
        row = keys.create(session, tenant, KeyAlgorithm.P256, custody=custody, actor=None)
        key_id = row.id
    with factory() as session:
        stored = session.get(models.SigningKey, key_id)
        assert stored is not None
        signer = keys.signer_for(custody, stored)
        der = signer.to_pkcs8()  # type: ignore[attr-defined]
        assert der not in stored.sealed_private_key
        assert stored.public_jwk == signer.public_key().jwk()  # type: ignore[attr-defined]
        # A different key-encryption key cannot open it.
        from proofs.keys import SealError

        with pytest.raises(SealError):
            keys.signer_for(LocalKeyCustody(kek=b"r" * 32), stored)


def test_unique_slug_enforced_by_the_database(engine: sa.Engine) -> None:
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        session.add(models.Tenant(slug="dup", name="a", url="https://a", email="a@a.a", address={}))
    with pytest.raises(sa.exc.IntegrityError), factory.begin() as session:
        session.add(models.Tenant(slug="dup", name="b", url="https://b", email="b@b.b", address={}))


def test_production_refuses_to_start_without_a_kek(tmp_path: Path) -> None:
    settings = Settings(environment="production", database_url="postgresql+psycopg://x@127.0.0.1/none")
    with pytest.raises(SettingsError):
        settings.load_kek()
    with pytest.raises(SettingsError):
        Settings(environment="production", kek="c2hvcnQ=").load_kek()
    kek_file = tmp_path / "kek"
    kek_file.write_text(base64.b64encode(b"z" * 32).decode())
    assert Settings(environment="production", kek_file=kek_file).load_kek() == b"z" * 32


def test_development_creates_its_own_kek_once(tmp_path: Path) -> None:
    settings = Settings(environment="development", database_url=f"sqlite:///{tmp_path}/var/s.db")
    first = settings.load_kek()
    assert (tmp_path / "var" / "kek").stat().st_mode & 0o777 == 0o600
    assert settings.load_kek() == first
