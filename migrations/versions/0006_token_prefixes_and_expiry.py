"""api tokens: an optional expiry; stored prefixes cut to what reveals nothing

Before this revision every token's first 12 characters were stored in clear (12 of 15 for a short
admin token). From here ``prefix`` holds at most the first 6 characters of a token of 32 or more
characters. Tenant tokens were always generated (``shm_`` and 43 random characters), so theirs are cut
to 6; a service-wide token may have been an operator's short ``SHOMEI_ADMIN_TOKEN``, so theirs are
cleared. The characters removed cannot be restored: the downgrade leaves the prefixes as they are. It
drops ``expires_at`` after revoking every unrevoked token that had an expiry (at that expiry when it
has passed, else now), so that no token outlives its expiry under the older code.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.base

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_tokens = sa.table(
    "api_tokens",
    sa.column("tenant_id", sa.Uuid()),
    sa.column("prefix", sa.String(16)),
    sa.column("revoked_at", app.db.base.UTCDateTime(timezone=True)),
    sa.column("expires_at", app.db.base.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", app.db.base.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        _tokens.update()
        .where(_tokens.c.tenant_id.is_not(None))
        .values(prefix=sa.func.substr(_tokens.c.prefix, 1, 6))
    )
    op.execute(_tokens.update().where(_tokens.c.tenant_id.is_(None)).values(prefix=""))


def downgrade() -> None:
    op.execute(
        _tokens.update()
        .where(_tokens.c.expires_at.is_not(None), _tokens.c.revoked_at.is_(None))
        .values(
            revoked_at=sa.case(
                (_tokens.c.expires_at < sa.func.current_timestamp(), _tokens.c.expires_at),
                else_=sa.func.current_timestamp(),
            )
        )
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
