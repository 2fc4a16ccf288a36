"""dpop: the key a credential offer's access token is bound to, seen proof jtis (DPoP, client attestation PoP)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.base

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dpop_jkt", sa.String(length=64), nullable=True))
    op.create_table(
        "oid4vci_seen_jtis",
        sa.Column("jti_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_oid4vci_seen_jtis_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("jti_hash", name=op.f("pk_oid4vci_seen_jtis")),
    )
    with op.batch_alter_table("oid4vci_seen_jtis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oid4vci_seen_jtis_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oid4vci_seen_jtis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oid4vci_seen_jtis_expires_at"))

    op.drop_table("oid4vci_seen_jtis")
    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.drop_column("dpop_jkt")
