"""Deadline coverage (issue 17): the rollups count, per local day, the resolved cases that
had a deadline and the open spans of cases with one (and of those whose clock started), so that the closure, handling and
overdue figures can be read over the cases with a deadline only, and say how much of their
basis that is; the category table keeps an urgent case's time limit and an Open311 service
code.

Revision ID: 0008
Revises: 0007
Created: 2026-12-03

Adds ``rollups.resolved_with_deadline``, ``rollups.timed_open_in``,
``rollups.timed_open_out``, ``rollups.clocked_open_in`` and ``rollups.clocked_open_out`` (the
open spans of cases dispatched or with a deadline: whose clock has started) and counts the rollups again (:func:`data.rollups.rebuild`,
one pass over the cases: the county demo on SQLite takes about 20 s); adds
``categories.urgent_time_limit``, ``categories.urgent_time_unit`` and
``categories.service_code``, empty. Downgrading drops the columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ROLLUP_COLUMNS = ("resolved_with_deadline", "timed_open_in", "timed_open_out",
                   "clocked_open_in", "clocked_open_out")
_CATEGORY_COLUMNS = (("urgent_time_limit", sa.Float()), ("urgent_time_unit", sa.String(16)),
                     ("service_code", sa.String(64)))


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    """Add the columns (where missing) and count the rollups again."""
    have = _columns("rollups")
    with op.batch_alter_table("rollups") as batch:
        for name in _ROLLUP_COLUMNS:
            if name not in have:
                batch.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                           server_default="0"))
    have = _columns("categories")
    with op.batch_alter_table("categories") as batch:
        for name, kind in _CATEGORY_COLUMNS:
            if name not in have:
                batch.add_column(sa.Column(name, kind, nullable=True))
    from data import rollups  # the counting is the code's

    rows = rollups.rebuild(op.get_bind())
    notes = op.get_context().config.attributes.setdefault("notes", [])
    notes.append(f"0008: deadline coverage: rollups counted again ({rows} rows); the "
                 "category table can hold urgent time limits and Open311 service codes")


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("categories") as batch:
        for name, _ in reversed(_CATEGORY_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("rollups") as batch:
        for name in reversed(_ROLLUP_COLUMNS):
            batch.drop_column(name)
