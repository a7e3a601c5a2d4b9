"""client_id first in the resend keys of messages and comments

The unique (author_id, client_id) index put each new post on a random page of the index
(client ids are UUIDs), so every message cost one more page in the WAL and its checkpoint.
Keyed (client_id, author_id), time-ordered client ids (UUIDv7, as the web UI sends) land at
the index's end. The rule is the same: one post per author and client_id.

On SQLite this rebuilds both tables (batch mode); `hub.db.migrate` runs migrations there with
foreign keys off, so dropping the old tables does not cascade to mentions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("chat_messages", "task_comments")


def upgrade() -> None:
    for table in _TABLES:
        _replace_key(table, "uq_{}_author_id", "uq_{}_client_id", ["client_id", "author_id"])


def downgrade() -> None:
    for table in _TABLES:
        _replace_key(table, "uq_{}_client_id", "uq_{}_author_id", ["author_id", "client_id"])


def _replace_key(table: str, old: str, new: str, columns: list[str]) -> None:
    """Drop unique constraint `old` of `table` and add `new` on `columns` (names: `{}` is the
    table)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(old.format(table)), type_="unique")
        batch_op.create_unique_constraint(op.f(new.format(table)), columns)
