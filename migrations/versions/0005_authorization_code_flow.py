"""authorization code flow: pushed authorization requests and their codes, what an offer authorized

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db.base

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authorized_configurations", JSON, nullable=True))
        batch_op.add_column(sa.Column("credential_identifiers", JSON, nullable=True))
    op.create_table(
        "oid4vci_authorizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("request_uri_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("configuration_ids", JSON, nullable=False),
        sa.Column("authorization_details", JSON, nullable=False),
        sa.Column("state", sa.String(length=1000), nullable=True),
        sa.Column("dpop_jkt", sa.String(length=64), nullable=True),
        sa.Column("expires_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["credential_offers.id"],
            name=op.f("fk_oid4vci_authorizations_offer_id_credential_offers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_oid4vci_authorizations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oid4vci_authorizations")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oid4vci_authorizations_code_hash")),
        sa.UniqueConstraint("request_uri_hash", name=op.f("uq_oid4vci_authorizations_request_uri_hash")),
    )
    with op.batch_alter_table("oid4vci_authorizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oid4vci_authorizations_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oid4vci_authorizations_tenant_id_expires_at"),
            ["tenant_id", "expires_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("oid4vci_authorizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oid4vci_authorizations_tenant_id_expires_at"))
        batch_op.drop_index(batch_op.f("ix_oid4vci_authorizations_offer_id"))

    op.drop_table("oid4vci_authorizations")
    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.drop_column("credential_identifiers")
        batch_op.drop_column("authorized_configurations")
