"""The late cases' indexes (issue 15, the console and summary at city scale): a period
that has ended still counts as due the cases whose deadline fell in it and that were
closed (resolved) only after it; those are late cases, a few in a hundred, and these
partial indexes hold only them, by deadline.

Revision ID: 0004
Revises: 0003
Created: 2026-12-03

``ix_cases_late_close`` holds the cases closed after their deadline, ``ix_cases_late_resolve``
those resolved after it (partial, on both stores), with the columns the count reads. An
index a store has already is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LATE_CLOSE = sa.column("closed_at") > sa.column("due_at")
LATE_RESOLVE = sa.column("resolved_at") > sa.column("due_at")
INDEXES = (
    ("ix_cases_late_close", "cases", ["due_at", "closed_at", "region_id"],
     {"sqlite_where": LATE_CLOSE, "postgresql_where": LATE_CLOSE}),
    ("ix_cases_late_resolve", "cases", ["due_at", "resolved_at", "region_id"],
     {"sqlite_where": LATE_RESOLVE, "postgresql_where": LATE_RESOLVE}),
)


def upgrade() -> None:
    """Create the late cases' indexes the store lacks."""
    inspector = sa.inspect(op.get_bind())
    for name, table, columns, options in INDEXES:
        if name not in {index["name"] for index in inspector.get_indexes(table)}:
            op.create_index(name, table, columns, **options)


def downgrade() -> None:
    """Drop the late cases' indexes."""
    for name, table, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
