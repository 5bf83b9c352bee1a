"""The rollups (issue 15): per region and local day, the counts the metrics add up, kept
as cases change by the store's own triggers.

Revision ID: 0002
Revises: 0001
Created: 2026-12-03

Creates ``rollup_queue`` (what the triggers write), ``rollups`` (the counts) and
``rollup_state`` (the zone and regions version they were built for), and the covering index
the median of hours to close reads (``ix_cases_closed_hours``); then makes the capture
triggers and counts every case once (:func:`data.rollups.rebuild`: on the county demo about
half a minute). The tables are written out here; the triggers and the counting are the
code's (:mod:`data.rollup_capture`, :mod:`data.rollups`), which a later revision that changes
them runs again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Make the rollup tables and index the store lacks, the triggers, and count every
    case. (A store made by this code before it was stamped, or adopted by 0001 from a
    copy that had them, holds some already: they are left as they are.)"""
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    if "rollup_queue" not in existing:
        _queue()
    if "rollups" not in existing:
        _rollups()
    if "rollup_state" not in existing:
        _state()
    if "ix_cases_closed_hours" not in {index["name"] for index in inspector.get_indexes("cases")}:
        op.create_index("ix_cases_closed_hours", "cases",
                        ["closed_at", "region_id", "reported_at"])
    from data import rollups  # the triggers and the counting are the code's

    rows = rollups.rebuild(op.get_bind())  # makes the triggers, then counts every case
    notes = op.get_context().config.attributes.setdefault("notes", [])
    notes.append(f"0002: rollups made: {rows} rows counted from the cases; capture triggers "
                 "on cases and case_events")


def _queue() -> None:
    op.create_table(
        "rollup_queue",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=2), nullable=False),
        sa.Column("o_region_id", sa.Integer(), nullable=True),
        sa.Column("o_status", sa.String(length=16), nullable=True),
        sa.Column("o_case_class", sa.String(length=16), nullable=True),
        sa.Column("o_reported_at", sa.DateTime(), nullable=True),
        sa.Column("o_dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("o_resolved_at", sa.DateTime(), nullable=True),
        sa.Column("o_closed_at", sa.DateTime(), nullable=True),
        sa.Column("o_due_at", sa.DateTime(), nullable=True),
        sa.Column("o_mediated_at", sa.DateTime(), nullable=True),
        sa.Column("o_voided_at", sa.DateTime(), nullable=True),
        sa.Column("o_resolved_level", sa.String(length=16), nullable=True),
        sa.Column("o_satisfaction", sa.String(length=24), nullable=True),
        sa.Column("o_mediation_outcome", sa.String(length=16), nullable=True),
        sa.Column("o_action", sa.String(length=16), nullable=True),
        sa.Column("o_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_rollup_queue_event", "rollup_queue", ["event_id"])


def _rollups() -> None:
    op.create_table(
        "rollups",
        sa.Column("region_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        sa.Column("filed", sa.Integer(), nullable=False),
        sa.Column("disputes_screened", sa.Integer(), nullable=False),
        sa.Column("screened_success", sa.Integer(), nullable=False),
        sa.Column("dispatched", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("resolved_with_level", sa.Integer(), nullable=False),
        sa.Column("resolved_in_grid", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("closed_on_time", sa.Integer(), nullable=False),
        sa.Column("closed_with_deadline", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("disputes_mediated", sa.Integer(), nullable=False),
        sa.Column("mediation_successes", sa.Integer(), nullable=False),
        sa.Column("due_open", sa.Integer(), nullable=False),
        sa.Column("due_unhandled", sa.Integer(), nullable=False),
        sa.Column("dispatches", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("reworks", sa.Integer(), nullable=False),
        sa.Column("open_in", sa.Integer(), nullable=False),
        sa.Column("open_out", sa.Integer(), nullable=False),
        sa.Column("overdue_in", sa.Integer(), nullable=False),
        sa.Column("overdue_out", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_id", "day"),
    )


def _state() -> None:
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("regions_version", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop the triggers, the rollup tables and the index."""
    from data import rollups

    rollups.drop_capture(op.get_bind())
    op.drop_index("ix_cases_closed_hours", table_name="cases")
    op.drop_table("rollup_state")
    op.drop_table("rollups")
    op.drop_index("ix_rollup_queue_event", table_name="rollup_queue")
    op.drop_table("rollup_queue")
