"""The traffic lights of workflow stages, for one case, a frame of cases, and in SQL.

Plain Python and SQL, no Dash. Stage traffic lights (:func:`stage_light`, DOMAIN.md):
green while under 80% of the stage's time limit has passed, yellow from 80% to 100%
(both included), red past it. A stage's clock starts when the case entered it:

=============  ======================================  ==========================
status         waiting for                             limit
=============  ======================================  ==========================
reported       filing (立案) after verification         :data:`STAGE_LIMITS` 2 h
filed          dispatch (派遣) to a department          :data:`STAGE_LIMITS` 4 h
dispatched     handling by the department              its deadline: due_at - dispatched_at
resolved       verification and closing (核查结案)      :data:`STAGE_LIMITS` 24 h
suspended      nothing (挂账: the clock is stopped)     no light
closed/voided  nothing                                 no light
=============  ======================================  ==========================

A case sent back for rework (返工) is dispatched again, so it is measured against its
deadline like any dispatched case. A dispatched case without a deadline has no light.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import DateTime, and_, case, func, literal
from sqlalchemy.sql.expression import ColumnElement

from data import metrics, schema
from data.models import Case

#: The time limit of each stage that has no deadline of its own (see the module docstring).
STAGE_LIMITS: dict[str, timedelta] = {
    schema.REPORTED: timedelta(hours=2),   # verify and file (or void) a report
    schema.FILED: timedelta(hours=4),      # dispatch a filed case
    schema.RESOLVED: timedelta(hours=24),  # verify the work and close the case
}
#: Share of a stage's limit from which the light turns yellow.
YELLOW_FROM = (4, 5)  # 80%, as a fraction of integers so the comparison is exact
LIGHTS = ("green", "yellow", "red")


def stage_start(status: str, reported_at: datetime | None, filed_at: datetime | None,
                dispatched_at: datetime | None, resolved_at: datetime | None
                ) -> datetime | None:
    """When a case in ``status`` entered that stage (its stage clock's start)."""
    if status == schema.REPORTED:
        return reported_at
    if status == schema.FILED:
        return filed_at or reported_at
    if status == schema.DISPATCHED:
        return dispatched_at
    if status == schema.RESOLVED:
        return resolved_at
    return None


def stage_light(status: str, since: datetime | None, due_at: datetime | None,
                now: datetime, limit: timedelta | None = None) -> str | None:
    """The traffic light of a case's current stage: ``"green"`` while under 80% of the
    stage's limit has passed since ``since``, ``"yellow"`` from 80% to 100% inclusive,
    ``"red"`` past it; None for a stage without a clock (closed, voided, suspended) or
    without a start or a deadline.

    ``limit`` defaults to :data:`STAGE_LIMITS` for reported/filed/resolved and to
    ``due_at - since`` for dispatched (the deadline, counted from dispatch).
    """
    if since is None:
        return None
    if limit is None:
        if status == schema.DISPATCHED:
            if due_at is None:
                return None
            limit = due_at - since
        elif status in STAGE_LIMITS:
            limit = STAGE_LIMITS[status]
        else:
            return None
    elapsed = now - since
    numerator, denominator = YELLOW_FROM
    if elapsed * denominator < limit * numerator:
        return "green"
    return "yellow" if elapsed <= limit else "red"


def is_overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    """Whether a case is open, not suspended, and past its deadline."""
    return (status in schema.OPEN_STATUSES and status != schema.SUSPENDED
            and due_at is not None and due_at < now)


def stage_lights(cases: pd.DataFrame, now: datetime) -> pd.Series:
    """:func:`stage_light` for a whole frame of cases at once (columns status,
    reported_at, filed_at, dispatched_at, resolved_at, due_at as ``datetime64``); the
    same rule, in whole-number time arithmetic, so the edges fall exactly where
    :func:`stage_light` puts them. Values green/yellow/red or None."""
    status = cases["status"]
    since = pd.Series(pd.NaT, index=cases.index, dtype="datetime64[us]")
    limit = pd.Series(pd.NaT, index=cases.index, dtype="timedelta64[us]")
    starts = {schema.REPORTED: cases["reported_at"],
              schema.FILED: cases["filed_at"].fillna(cases["reported_at"]),
              schema.RESOLVED: cases["resolved_at"]}
    for key, stage_limit in STAGE_LIMITS.items():
        here = status == key
        since[here] = starts[key][here]
        limit[here] = stage_limit
    dispatched = status == schema.DISPATCHED
    since[dispatched] = cases["dispatched_at"][dispatched]
    limit[dispatched] = (cases["due_at"] - cases["dispatched_at"])[dispatched]
    elapsed = pd.Timestamp(now) - since
    numerator, denominator = YELLOW_FROM
    known = since.notna() & limit.notna()
    green = known & (elapsed * denominator < limit * numerator)
    yellow = known & ~green & (elapsed <= limit)
    red = known & ~green & ~yellow
    out = pd.Series([None] * len(cases), index=cases.index, dtype=object)
    out[green], out[yellow], out[red] = "green", "yellow", "red"
    return out


# --- in SQL -----------------------------------------------------------------------------------

def _now_hours(now: datetime) -> ColumnElement:
    return metrics.epoch_hours(literal(now, DateTime()))


def _hours(column) -> ColumnElement:
    return metrics.epoch_hours(column)


def overdue_sql(now: datetime) -> ColumnElement[bool]:
    """:func:`is_overdue` in SQL."""
    return and_(Case.status.in_(schema.OPEN_STATUSES), Case.status != schema.SUSPENDED,
                Case.due_at < now)


def overdue_hours_sql(now: datetime) -> ColumnElement:
    """The hours an overdue case is past its deadline (NULL for one that is not)."""
    return case((overdue_sql(now), _now_hours(now) - _hours(Case.due_at)), else_=None)


def light_rank_sql(now: datetime) -> ColumnElement[int]:
    """0 no light, 1 green, 2 yellow, 3 red: :func:`stage_light` in SQL, for sorting and
    filtering the list (the rows' lights themselves come from :func:`stage_light`)."""
    c = Case
    parts = []
    starts = {schema.REPORTED: c.reported_at,
              schema.FILED: func.coalesce(c.filed_at, c.reported_at),
              schema.RESOLVED: c.resolved_at}
    for status, limit in STAGE_LIMITS.items():
        since = starts[status]
        # green: now - since < 0.8 limit, i.e. since > now - 0.8 limit (exact in Python)
        parts.append((and_(c.status == status, since.is_not(None),
                           since > now - limit * YELLOW_FROM[0] / YELLOW_FROM[1]), 1))
        parts.append((and_(c.status == status, since.is_not(None), since >= now - limit), 2))
        parts.append((and_(c.status == status, since.is_not(None)), 3))
    start, due, now_h = _hours(c.dispatched_at), _hours(c.due_at), _now_hours(now)
    dispatched = and_(c.status == schema.DISPATCHED, c.dispatched_at.is_not(None),
                      c.due_at.is_not(None))
    # green: elapsed < 0.8 limit, i.e. now - start < 0.8 (due - start). Hours are floats
    # here: a margin of a few milliseconds keeps the exact edges where stage_light has them
    numerator, denominator = YELLOW_FROM
    parts.append((and_(dispatched, (now_h - start) * denominator
                       < (due - start) * numerator - _EDGE), 1))
    parts.append((and_(dispatched, now_h - start <= due - start + _EDGE), 2))
    parts.append((dispatched, 3))
    return case(*parts, else_=0)


_EDGE = 1e-6  # hours (3.6 ms)
#: The rank :func:`light_rank_sql` gives each light.
LIGHT_RANK = {None: 0, "green": 1, "yellow": 2, "red": 3}
