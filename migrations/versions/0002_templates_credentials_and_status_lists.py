"""templates, credentials and status lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db.base

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "achievement_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_achievement_templates_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_templates")),
    )
    with op.batch_alter_table("achievement_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_achievement_templates_tenant_id_created_at"),
            ["tenant_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "status_lists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("active_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("perm_key", sa.LargeBinary(), nullable=False),
        sa.Column("revocation_bits", sa.LargeBinary(), nullable=False),
        sa.Column("suspension_bits", sa.LargeBinary(), nullable=False),
        sa.Column("message_bits", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_status_lists_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_lists")),
        sa.UniqueConstraint("active_tenant_id", name=op.f("uq_status_lists_active_tenant_id")),
        sa.UniqueConstraint("tenant_id", "sequence", name=op.f("uq_status_lists_tenant_id_sequence")),
    )
    op.create_table(
        "status_list_stripes",
        sa.Column("status_list_id", sa.Uuid(), nullable=False),
        sa.Column("stripe", sa.Integer(), nullable=False),
        sa.Column("stripes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["status_lists.id"],
            name=op.f("fk_status_list_stripes_status_list_id_status_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("status_list_id", "stripe", name=op.f("pk_status_list_stripes")),
    )
    op.create_table(
        "achievement_template_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("achievement", JSON, nullable=False),
        sa.Column("profiles", JSON, nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["achievement_templates.id"],
            name=op.f("fk_achievement_template_versions_template_id_achievement_templates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_achievement_template_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_template_versions")),
        sa.UniqueConstraint(
            "template_id", "version", name=op.f("uq_achievement_template_versions_template_id_version")
        ),
    )
    op.create_table(
        "published_status_lists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status_list_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["status_lists.id"],
            name=op.f("fk_published_status_lists_status_list_id_status_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_status_lists")),
        sa.UniqueConstraint(
            "status_list_id",
            "purpose",
            "format",
            name=op.f("uq_published_status_lists_status_list_id_purpose_format"),
        ),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("template_version_id", sa.Uuid(), nullable=True),
        sa.Column("achievement_name", sa.String(length=500), nullable=False),
        sa.Column("recipient_ref", sa.String(length=300), nullable=False),
        sa.Column("recipient_lookup", sa.String(length=64), nullable=False),
        sa.Column("valid_from", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by_token_id", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=40), nullable=True),
        sa.Column("status_list_id", sa.Uuid(), nullable=True),
        sa.Column("status_index", sa.Integer(), nullable=True),
        sa.Column("credential_uri", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["status_list_id"], ["status_lists.id"], name=op.f("fk_credentials_status_list_id_status_lists")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["achievement_templates.id"],
            name=op.f("fk_credentials_template_id_achievement_templates"),
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["achievement_template_versions.id"],
            name=op.f("fk_credentials_template_version_id_achievement_template_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_credentials_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint(
            "status_list_id", "status_index", name=op.f("uq_credentials_status_list_id_status_index")
        ),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name=op.f("uq_credentials_tenant_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credentials_tenant_id_issued_at"), ["tenant_id", "issued_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credentials_tenant_id_recipient_lookup"),
            ["tenant_id", "recipient_lookup"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_credentials_tenant_id_template_id"), ["tenant_id", "template_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credentials_tenant_id_credential_uri"),
            ["tenant_id", "credential_uri"],
            unique=False,
        )

    op.create_table(
        "credential_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_credential_documents_credential_id_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credential_documents_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_documents")),
        sa.UniqueConstraint(
            "credential_id", "format", name=op.f("uq_credential_documents_credential_id_format")
        ),
    )
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suspension_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("suspension_enabled")

    op.drop_table("credential_documents")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_tenant_id_credential_uri"))
        batch_op.drop_index(batch_op.f("ix_credentials_tenant_id_template_id"))
        batch_op.drop_index(batch_op.f("ix_credentials_tenant_id_recipient_lookup"))
        batch_op.drop_index(batch_op.f("ix_credentials_tenant_id_issued_at"))

    op.drop_table("credentials")
    op.drop_table("published_status_lists")
    op.drop_table("achievement_template_versions")
    op.drop_table("status_list_stripes")
    op.drop_table("status_lists")
    with op.batch_alter_table("achievement_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_achievement_templates_tenant_id_created_at"))

    op.drop_table("achievement_templates")
