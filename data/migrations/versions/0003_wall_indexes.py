"""The wall's indexes (issue 15, the wall at city scale): its live counts and who is on
patrol are read from indexes alone.

Revision ID: 0003
Revises: 0002
Created: 2026-12-03

``ix_cases_open_region`` holds the open cases only (partial, on both stores), with every
column the open/overdue test reads; ``ix_cases_reported_region`` gives the regions of a
range of report times (those of closing times: ``ix_cases_closed_hours``, revision 0002);
``ix_patrols_started_ended`` the patrols under way. An index a store has already (made by
hand, as bench/wall.py's store) is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: data.schema.OPEN_STATUSES when this revision was written (a revision never reads the code)
OPEN_STATUSES = ("reported", "filed", "dispatched", "resolved", "suspended")
OPEN = sa.column("status").in_(OPEN_STATUSES)
INDEXES = (
    ("ix_cases_open_region", "cases",
     ["status", "region_id", "reported_at", "due_at", "closed_at", "voided_at"],
     {"sqlite_where": OPEN, "postgresql_where": OPEN}),
    ("ix_cases_reported_region", "cases", ["reported_at", "region_id"], {}),
    ("ix_patrols_started_ended", "patrols", ["started_at", "ended_at", "region_id",
                                             "officer_id"], {}),
)


def upgrade() -> None:
    """Create the wall's indexes the store lacks."""
    inspector = sa.inspect(op.get_bind())
    for name, table, columns, options in INDEXES:
        if name not in {index["name"] for index in inspector.get_indexes(table)}:
            op.create_index(name, table, columns, **options)


def downgrade() -> None:
    """Drop the wall's indexes."""
    for name, table, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
