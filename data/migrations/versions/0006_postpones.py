"""The postponed cases by local day (issue 15: a long period's postponement rate at city
scale): ``rollup_postpones`` holds one row per case and local day with a postpone event,
with the case's region, kept by the rollups' capture.

Revision ID: 0006
Revises: 0005
Created: 2026-12-03

Creates the table and its index, replaces the capture triggers (they now note postpone
events too: :data:`data.rollup_capture.CAPTURED_ACTIONS`) and fills the table from the
events (:func:`data.rollup_postpones.rebuild`; the city demo's 72,000 postpone events take
a few seconds). Downgrading drops the table and leaves the triggers noting postpones, which
the rollups' apply then passes over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Make the table, replace the triggers, fill the table."""
    bind = op.get_bind()
    if "rollup_postpones" not in set(sa.inspect(bind).get_table_names()):
        op.create_table(
            "rollup_postpones",
            sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("case_id", "day"),
        )
        op.create_index("ix_rollup_postpones_day", "rollup_postpones",
                        ["day", "region_id", "case_id"])
    from data import rollup_capture, rollup_postpones, rollups  # the code's triggers and rows
    from data.store import deployment_timezone

    for statement in (*rollup_capture.drop_statements(bind.dialect.name),
                      *rollup_capture.create_statements(bind.dialect.name)):
        bind.exec_driver_sql(statement)
    rows = rollup_postpones.rebuild(bind, rollups._Days(deployment_timezone(bind)))
    notes = op.get_context().config.attributes.setdefault("notes", [])
    notes.append(f"{revision}: postponed cases by day: {rows} rows from the postpone events; "
                 "capture triggers note postpone events")


def downgrade() -> None:
    """Drop the table (the triggers stay: apply passes postpone events over)."""
    op.drop_index("ix_rollup_postpones_day", table_name="rollup_postpones")
    op.drop_table("rollup_postpones")
