"""What the store held at a moment ``as_of``, for the rules: a rule reads nothing after it.

The store keeps each case's latest state and the times it moved (reported, closed,
voided...). A case closed or voided after ``as_of`` was still open then, and a case
reported after it did not exist yet; the registry's conditions say so
(:func:`data.metrics.open_at`, :func:`~data.metrics.not_voided_at`, handed on here), so
a rule gives the same answer whenever it is run over the same history (the bench replays
a year day by day).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, union

from data.metrics import not_voided_at, open_at, open_statuses
from data.models import Alert, Case
from data.sql import id_chunks, sqlite_unindexed

__all__ = ["not_voided_at", "open_at", "open_candidates", "open_ids", "open_statuses",
           "reports_only", "rows_by_id"]


def reports_only():
    """Not a supervision case an alert was assigned as (转办督办, :func:`data.alerts.actions.assign`):
    the centre's own follow-up of an alert, not a report from the ground. The rules that
    count reports (surges, repeat locations, recurring disputes, blind spots) leave them
    out, so that assigning an alert never feeds it or raises another; a supervision case
    left open past its deadline is still a stuck case. (A subquery the store runs once:
    SQLite keeps its ids in a temporary index, PostgreSQL in a hash.)"""
    return Case.id.not_in(select(Alert.assigned_case_id)
                          .where(Alert.assigned_case_id.is_not(None)))


def open_candidates(as_of: datetime):
    """The ids of the cases that may be open at ``as_of`` (a superset: :func:`open_at`
    decides), as a union of index reads: the cases of an open status now (the partial
    index of open cases), and those reported by ``as_of`` and closed or voided after it
    (ranges of the closing and voiding times' indexes). On a running store the ranges are
    empty; for a day long past SQLite reads the entries of ``ix_cases_closed_hours`` (the
    report time beside the closing time), not the rows of every case closed since."""
    c = Case
    # SQLite: not the report times' index (the closing times' covering index holds them);
    # PostgreSQL (no index holds both with the id) weighs the two ranges and takes the
    # narrower: the report times' of a day early in the store, the closings' of a late one
    reported = sqlite_unindexed(c.reported_at) <= as_of
    return union(select(c.id).where(open_statuses()),
                 select(c.id).where(c.closed_at > as_of, reported),
                 select(c.id).where(c.voided_at > as_of, reported))


def open_ids(conn: Connection, as_of: datetime) -> set[int]:
    """The ids of :func:`open_candidates`."""
    return set(conn.execute(open_candidates(as_of)).scalars())


def rows_by_id(conn: Connection, columns: list, ids: list[int], *where) -> list[tuple]:
    """``columns`` of the cases of ``ids`` that meet ``where``, by primary key."""
    rows: list[tuple] = []
    for among in id_chunks(conn, Case.id, sorted(ids)):
        rows += [tuple(row) for row in conn.execute(select(*columns).where(among, *where))]
    return rows
