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
from data.sql import id_chunks


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


def open_candidates(as_of: datetime, *where: ColumnElement[bool]):
    """The ids of the cases that may be open at ``as_of`` and meet ``where``, as a union
    of index lookups: the cases of an open status now (the partial index: a few in a
    hundred), and those closed or voided after ``as_of`` (ranges of the closing and
    voiding times' indexes, empty when ``as_of`` is now). A superset (no condition on the
    report time, which would tempt a planner to read that index): :func:`open_at` then
    decides."""
    c = Case
    parts = (open_statuses(), c.closed_at > as_of, c.voided_at > as_of)
    return union(*(select(c.id).where(part, *where) for part in parts))


def open_candidate_ids(conn: Connection, as_of: datetime, at_most: int) -> set[int] | None:
    """The ids of :func:`open_candidates`, or None when there would be more than
    ``at_most`` (replaying a day long past, when most cases closed after it: then a rule
    reads its own index range instead). The cases closed after ``as_of`` are counted
    first, up to ``at_most``, so that this costs little either way."""
    later = conn.execute(select(Case.id).where(Case.closed_at > as_of).limit(at_most + 1))
    if len(later.all()) > at_most:
        return None
    ids = set(conn.execute(open_candidates(as_of)).scalars())
    return ids if len(ids) <= at_most else None


def rows_by_id(conn: Connection, columns: list, ids: list[int], *where) -> list[tuple]:
    """``columns`` of the cases of ``ids`` that meet ``where``, by primary key."""
    rows: list[tuple] = []
    for among in id_chunks(conn, Case.id, sorted(ids)):
        rows += [tuple(row) for row in conn.execute(select(*columns).where(among, *where))]
    return rows
