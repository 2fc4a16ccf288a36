"""issue 17: the catalogue opt-in of templates and stackable pathways

``achievement_templates.catalogue`` (false for every existing template: nothing is published without
the issuer asking) and the tenant-owned ``pathways`` table (a programme's requirement groups, credit
minimum, recency rule and trust list as JSON).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db.base

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("achievement_templates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("catalogue", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "pathways",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_pathways_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathways")),
    )
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pathways_tenant_id_created_at"), ["tenant_id", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathways_tenant_id_created_at"))
    op.drop_table("pathways")
    with op.batch_alter_table("achievement_templates", schema=None) as batch_op:
        batch_op.drop_column("catalogue")
