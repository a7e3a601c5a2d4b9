"""a user's time zone may be unset

A zone never chosen is not UTC: `users.time_zone` becomes nullable, NULL meaning that the
person has not chosen one (the dashboard then shows times in the browser's zone). Rows that
say "UTC" stay UTC, since nobody can tell a chosen UTC from the old default; new users get
NULL. Downgrading writes "UTC" back where there is none.

On SQLite this rebuilds the table (batch mode), as 0002 does.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMN_TYPE = sa.String(length=64)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("time_zone", existing_type=_COLUMN_TYPE, nullable=True)


def downgrade() -> None:
    op.execute("UPDATE users SET time_zone = 'UTC' WHERE time_zone IS NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("time_zone", existing_type=_COLUMN_TYPE, nullable=False)
