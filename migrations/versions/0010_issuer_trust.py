"""issue 18: issuer trust: the issuers this deployment vouches for, and imported trust lists

``tenants.vouched``: a service administrator vouches for the tenant (it is then a known issuer, and its
Domain Linkage Credential is published at this service's own origin). ``trust_lists``: imported lists of
issuers (identifier and name) another party vouches for.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.base

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vouched", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "trust_lists",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("entries", app.db.base.JsonType, nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_trust_lists")),
    )


def downgrade() -> None:
    op.drop_table("trust_lists")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("vouched")
