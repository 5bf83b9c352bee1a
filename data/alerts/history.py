"""What the store held at a moment ``as_of``, for the rules: a rule reads nothing after it.

The store keeps each case's latest state and the times it moved (reported, closed,
voided...). A case closed or voided after ``as_of`` was still open then, and a case
reported after it did not exist yet; these conditions say so in the registry's words
(:mod:`data.metrics`' ``open``), so a rule gives the same answer whenever it is run over
the same history (the bench replays a year day by day).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, or_, select, union
from sqlalchemy.sql.expression import ColumnElement

from data import schema
from data.models import Case
from data.sql import id_chunks, sqlite_unindexed


def not_voided_at(as_of: datetime) -> ColumnElement[bool]:
    """A case not voided at ``as_of`` (voided later, or never)."""
    return or_(Case.status != schema.VOIDED, Case.voided_at > as_of)


def open_at(as_of: datetime) -> ColumnElement[bool]:
    """A case open at ``as_of``: reported by then, neither voided nor closed by then
    (:mod:`data.metrics`' ``open``)."""
    c = Case
    return and_(
        c.reported_at <= as_of,
        not_voided_at(as_of),
        or_(c.closed_at > as_of, and_(c.closed_at.is_(None), c.status != schema.CLOSED)),
    )


def open_statuses() -> ColumnElement[bool]:
    """``status IN (the open statuses)`` written out literally, so that both stores'
    planners use the partial index of open cases (``ix_cases_open_region``), whose
    condition this repeats word for word."""
    return Case.status.in_(bindparam("open_statuses", schema.OPEN_STATUSES, expanding=True,
                                     literal_execute=True))


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
