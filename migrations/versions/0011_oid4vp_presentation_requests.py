"""issue 19: OpenID4VP presentation requests

``presentation_requests``: a tenant acting as verifier asks a wallet for credentials (OpenID4VP 1.0,
DCQL); the row holds the query, the verifier identity fixed at creation, the sealed ephemeral
response-encryption key, the single-use nonce and state, and the checked result.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db.base

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    when = app.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "presentation_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("query", JSON, nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=True),
        sa.Column("trusted_issuers", JSON, nullable=False),
        sa.Column("response_mode", sa.String(length=20), nullable=False),
        sa.Column("flow", sa.String(length=20), nullable=False),
        sa.Column("client_id", sa.String(length=300), nullable=False),
        sa.Column("x5c", JSON, nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("response_key", sa.LargeBinary(), nullable=False),
        sa.Column("response_jwk", JSON, nullable=False),
        sa.Column("view_hash", sa.String(length=64), nullable=False),
        sa.Column("response_code_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("expires_at", when, nullable=False),
        sa.Column("retrieved_at", when, nullable=True),
        sa.Column("answered_at", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("created_by_token_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_presentation_requests_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presentation_requests")),
        sa.UniqueConstraint("state", name=op.f("uq_presentation_requests_state")),
    )
    with op.batch_alter_table("presentation_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_presentation_requests_tenant_id_created_at"),
            ["tenant_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("presentation_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presentation_requests_tenant_id_created_at"))
    op.drop_table("presentation_requests")
