"""issuer trust: the name a tenant was vouched for under

``tenants.vouched_name``: set when a service administrator vouches for the tenant, cleared when the vouch
is withdrawn. The deployment's own trust list names the tenant by it, so that a tenant renaming itself is
not listed under its new name (found by an outside fuzzing round: a vouched tenant renamed itself
"University of Tokyo" and was shown as listed under that name). Tenants vouched for before this revision
take their current name.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vouched_name", sa.String(length=300), nullable=True))
    tenants = sa.table(
        "tenants", sa.column("name", sa.String), sa.column("vouched", sa.Boolean), sa.column("vouched_name")
    )
    op.execute(tenants.update().where(tenants.c.vouched.is_(True)).values(vouched_name=tenants.c.name))


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("vouched_name")
