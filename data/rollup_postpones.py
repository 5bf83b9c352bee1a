"""The postponed cases by local day, kept as cases change (issue 15).

The registry's postponement rate counts the distinct cases with a postpone event in the
period: not a sum over days (a case postponed on two days of the period counts once), so
the per-day :class:`~data.models.Rollup` rows cannot hold it. What can be kept is the set
itself, small beside the cases (a few in a hundred are ever postponed): one
:class:`~data.models.RollupPostpone` row per case and local day with a postpone, with the
case's region. A period's distinct postponed cases per region are then one index range
(``day``) however long the history, where reading the events meant joining every postpone
event of the period to its case (1.9 s for a 365-day summary of the city demo's county).

The rows follow the same capture as the rollups: the triggers queue every postpone event's
insert, change and delete and every change of a case (its region), and :func:`refresh`
rewrites the rows of the queued cases from their events when :func:`data.rollups.apply`
applies the queue; :func:`rebuild` rewrites them all. :func:`rows` reads them only while
they are current (nothing queued, made for the store's zone and regions); otherwise the
caller counts from the events (:func:`data.rollup_read.postponed_rows`), which remains the
definition the tests compare with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, delete, distinct, func, insert, select
from sqlalchemy.sql.expression import ColumnElement

from data.models import Case, CaseEvent, RollupPostpone

__all__ = ["ACTION", "rebuild", "refresh", "rows"]

#: A naive-UTC moment's local day number (:class:`data.rollups._Days`: the rollups' one
#: definition of a local day, passed in by them).
DayOf = Callable[[datetime], int]
#: The event action these rows follow.
ACTION = "postpone"
_UNLOCATED = -1


def _collect(conn: Connection, days: DayOf, case_ids: list[int] | None) -> list[dict]:
    """The (case, day, region) rows of the postpone events of ``case_ids`` (None: all)."""
    query = (select(CaseEvent.case_id, CaseEvent.at, Case.region_id)
             .join(Case, Case.id == CaseEvent.case_id).where(CaseEvent.action == ACTION))
    if case_ids is not None:
        query = query.where(CaseEvent.case_id.in_(case_ids))
    found: dict[tuple[int, int], int] = {}
    for case_id, at, region_id in conn.execute(query):
        if at is not None:
            found[(case_id, days(at))] = _UNLOCATED if region_id is None else region_id
    return [{"case_id": c, "day": d, "region_id": r} for (c, d), r in sorted(found.items())]


def _write(conn: Connection, rows: list[dict]) -> None:
    for start in range(0, len(rows), 1000):
        conn.execute(insert(RollupPostpone), rows[start:start + 1000])


def refresh(conn: Connection, case_ids, days: DayOf) -> None:
    """Rewrite the rows of ``case_ids`` (the cases of an applied queue: a postpone event
    added, moved or removed, or the case moved to another region or deleted) from their
    events, in ``conn``'s transaction."""
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        conn.execute(delete(RollupPostpone).where(RollupPostpone.case_id.in_(chunk)))
        _write(conn, _collect(conn, days, chunk))


def rebuild(conn: Connection, days: DayOf) -> int:
    """Every row again from the events (the rollups' rebuild calls it); returns how many."""
    conn.execute(delete(RollupPostpone))
    rows = _collect(conn, days, None)
    _write(conn, rows)
    return len(rows)


def rows(conn: Connection, lo: int, hi: int, only: ColumnElement[bool] | None) -> list:
    """(region, distinct postponed cases) over the local day numbers ``lo`` .. ``hi``,
    for the regions ``only`` (a condition on ``Case.region_id``, as the direct counts take
    it) allows; the caller has checked that the rows are current."""
    p = RollupPostpone
    query = (select(p.region_id, func.count(distinct(p.case_id)).label("postponed"))
             .where(p.day >= lo, p.day <= hi).group_by(p.region_id))
    if only is not None:
        query = query.where(_on_region(getattr(only, "condition", only)))
    return [tuple(row) for row in conn.execute(query)]


def _on_region(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``condition`` (on ``Case.region_id``) said of the rows' ``region_id``."""
    from sqlalchemy.sql import visitors

    return visitors.replacement_traverse(
        condition, {},
        lambda element: RollupPostpone.region_id
        if getattr(element, "table", None) is Case.__table__ and element.key == "region_id"
        else None)
