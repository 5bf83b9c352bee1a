"""The early warning's alerts (issue 16): ``alerts``, one row per condition a rule found
(kept once by its key, with its level, region, times, state and facts), and
``alert_cases``, the cases behind each.

Revision ID: 0007
Revises: 0006
Created: 2026-12-03

Creates both tables and their indexes, empty: the alerts are computed from the cases by
:func:`data.alerts.book.refresh` the first time they are asked for after the upgrade
(the data version they were computed at is not yet in ``meta``). Downgrading drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Make the tables (a store that has them already keeps them as they are)."""
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "alerts" not in existing:
        op.create_table(
            "alerts",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("rule", sa.String(length=32), nullable=False),
            sa.Column("key", sa.String(length=255), nullable=False),
            sa.Column("level", sa.String(length=8), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=True),
            sa.Column("started_at", sa.DateTime(), nullable=False),
            sa.Column("first_seen_at", sa.DateTime(), nullable=False),
            sa.Column("last_seen_at", sa.DateTime(), nullable=False),
            sa.Column("state", sa.String(length=16), nullable=False),
            sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
            sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
            sa.Column("assigned_case_id", sa.Integer(), nullable=True),
            sa.Column("closed_at", sa.DateTime(), nullable=True),
            sa.Column("closed_by", sa.String(length=100), nullable=True),
            sa.Column("close_note", sa.Text(), nullable=True),
            sa.Column("facts", sa.Text(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["assigned_case_id"], ["cases.id"]),
            sa.ForeignKeyConstraint(["region_id"], ["regions.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("key"),
        )
        op.create_index("ix_alerts_state_region", "alerts", ["state", "region_id"])
        op.create_index("ix_alerts_region_state", "alerts", ["region_id", "state"])
    if "alert_cases" not in existing:
        op.create_table(
            "alert_cases",
            sa.Column("alert_id", sa.Integer(), nullable=False),
            sa.Column("case_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
            sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
            sa.PrimaryKeyConstraint("alert_id", "case_id"),
        )
        op.create_index("ix_alert_cases_case_id", "alert_cases", ["case_id"])


def downgrade() -> None:
    """Drop the tables (the alerts are computed again from the cases after an upgrade)."""
    op.drop_index("ix_alert_cases_case_id", table_name="alert_cases")
    op.drop_table("alert_cases")
    op.drop_index("ix_alerts_region_state", table_name="alerts")
    op.drop_index("ix_alerts_state_region", table_name="alerts")
    op.drop_table("alerts")
