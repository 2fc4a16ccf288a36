"""credential offers, oid4vci nonces, signing key certificate chains

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db.base

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate_chain", JSON, nullable=True))
    op.create_table(
        "oid4vci_nonces",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_oid4vci_nonces_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("nonce_hash", name=op.f("pk_oid4vci_nonces")),
    )
    with op.batch_alter_table("oid4vci_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oid4vci_nonces_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "credential_offers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("configuration_ids", JSON, nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("access_token_hash", sa.String(length=64), nullable=True),
        sa.Column("access_token_expires_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_configurations", JSON, nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_token_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_credential_offers_credential_id_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credential_offers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_offers")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_credential_offers_access_token_hash")),
    )
    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_offers_tenant_id_credential_id"),
            ["tenant_id", "credential_id"],
            unique=False,
        )

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("derived_from_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_credentials_derived_from_id"), ["derived_from_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_credentials_derived_from_id_credentials"),
            "credentials",
            ["derived_from_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_column("certificate_chain")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_credentials_derived_from_id_credentials"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_credentials_derived_from_id"))
        batch_op.drop_column("derived_from_id")

    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_offers_tenant_id_credential_id"))

    op.drop_table("credential_offers")
    with op.batch_alter_table("oid4vci_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oid4vci_nonces_expires_at"))

    op.drop_table("oid4vci_nonces")
