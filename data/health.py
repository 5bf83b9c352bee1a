"""What ``/healthz`` asks the store: cheap facts that prove it answers.

Plain SQL, no Dash. Nothing here counts over the cases: the newest case is read through
the ``reported_at`` index (``ix_cases_reported``), the counters from ``meta``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from data.models import Case
from data.store import data_version, regions_version


@dataclass(frozen=True)
class StoreFacts:
    """The store's counters and the time its newest case was reported (UTC, naive as the
    store keeps it; None for a store without cases)."""

    data_version: int
    regions_version: int
    newest_case_at: datetime | None


def store_facts(conn: Connection) -> StoreFacts:
    """The counters of ``meta`` and ``max(cases.reported_at)``: three index lookups. A
    store that does not answer, or has no tables, raises SQLAlchemy's error."""
    newest = conn.scalar(select(func.max(Case.reported_at)))
    return StoreFacts(data_version(conn), regions_version(conn), newest)
