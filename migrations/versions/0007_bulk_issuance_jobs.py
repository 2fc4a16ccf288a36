"""issue 16: bulk issuance jobs and their rows

``issuance_jobs``: one upload (its Idempotency-Key unique per tenant, the options, the status);
``issuance_job_rows``: one credential request each, its state, credential or problem, and the lease a
worker holds on it while it is pending.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db.base

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = app.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "issuance_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("created_by_token_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("finished_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_issuance_jobs_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuance_jobs")),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name=op.f("uq_issuance_jobs_tenant_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("issuance_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issuance_jobs_tenant_id_created_at"), ["tenant_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_issuance_jobs_status"), ["status"], unique=False)

    op.create_table(
        "issuance_job_rows",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("credential_id", sa.Uuid(), nullable=True),
        sa.Column("replayed", sa.Boolean(), nullable=False),
        sa.Column("problem", JSON, nullable=True),
        sa.Column("offer", JSON, nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", UTC, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["issuance_jobs.id"],
            name=op.f("fk_issuance_job_rows_job_id_issuance_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_issuance_job_rows_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "row_number", name=op.f("pk_issuance_job_rows")),
    )
    with op.batch_alter_table("issuance_job_rows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issuance_job_rows_state_job_id_row_number"),
            ["state", "job_id", "row_number"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_issuance_job_rows_tenant_id_job_id"), ["tenant_id", "job_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("issuance_job_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issuance_job_rows_tenant_id_job_id"))
        batch_op.drop_index(batch_op.f("ix_issuance_job_rows_state_job_id_row_number"))
    op.drop_table("issuance_job_rows")
    with op.batch_alter_table("issuance_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issuance_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_issuance_jobs_tenant_id_created_at"))
    op.drop_table("issuance_jobs")
