"""service settings: what the server last started with (its public base URL), for the CLI

``shomei tenant list`` and ``tenant create`` show did:web DIDs, which are minted from the public base URL
and not stored. A CLI run in a shell without the server's environment used to show them on the default
base URL; the server now records the URL it serves at start, and the CLI uses it unless told otherwise.
(The slot was reserved for issue 15, which needed no schema change.)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.base

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_settings")),
    )


def downgrade() -> None:
    op.drop_table("service_settings")
