"""Computing the registry's metrics for a region and its children over a period.

The database does the aggregation: one pass over the cases, one over the events, one for
the median and one for patrols, each grouped by region through the closure table, so a
region and all its children cost four queries whatever their number. pandas and plain
Python only shape the result. The definitions are in :mod:`data.metric_registry`.
"""

from __future__ import annotations

import threading
import time as _time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

import pandas as pd
from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.sql.expression import ColumnElement

from data import rollup_hours, rollup_medians, rollup_read, rollups, schema
from data.metric_registry import KEYS
from data.models import Case, CaseEvent, Patrol, PatrolVisit, Region, RegionAncestor
from data.periods import Period, local_date, local_midnight_utc, period_for, within
from data.sql import UNLOCATED, count_if, duration_tenths, plain_rows, region_key
from data.store import data_version, deployment_timezone, read_beside, regions_version

__all__ = ["CaseScope", "Period", "compute", "local_date", "patrol_coverage", "period_for",
           "plain_rows"]

DEFAULT_DAYS = 30
_ALL = 0  # group key of "the whole deployment"
# the shared pieces under their former names here (data.periods, data.sql)
_local_midnight_utc, _within, _plain, _region_key = (local_midnight_utc, within, plain_rows,
                                                     region_key)
_UNLOCATED = UNLOCATED


# --- which cases the counts look at ----------------------------------------------------------

@dataclass(frozen=True)
class CaseScope:
    """A subset of the cases every count, event count and median of :func:`compute` keeps
    to: the console's category and source filters.

    ``categories`` match a case's category (大类) or its subcategory (小类); ``sources`` are
    :data:`data.schema.SOURCES` keys. Empty tuples mean "all". Statuses are deliberately
    not part of a scope: a rate over "only the open cases" would not be the registry's
    rate any more.
    """

    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    #: Department ids (the briefing's per-department ranking); empty means all.
    departments: tuple[int, ...] = ()

    @property
    def is_everything(self) -> bool:
        return not self.categories and not self.sources and not self.departments

    def condition(self) -> ColumnElement[bool] | None:
        """The SQL condition on :class:`Case` rows; None when the scope keeps every case."""
        parts = []
        if self.categories:
            names = list(self.categories)
            parts.append(or_(Case.category.in_(names), Case.subcategory.in_(names)))
        if self.sources:
            parts.append(Case.source.in_(list(self.sources)))
        if self.departments:
            parts.append(Case.department_id.in_(list(self.departments)))
        return and_(*parts) if parts else None


def scoped(query, scope: CaseScope | None):
    """``query`` narrowed to the cases of ``scope`` (unchanged for no scope)."""
    condition = None if scope is None else scope.condition()
    return query if condition is None else query.where(condition)


# --- a cache of per-region counts ---------------------------------------------------------

class ResultCache:
    """A small, thread-safe, least-recently-used store of query results.

    By default keys carry the store's data version (:func:`data.store.data_version`), so
    a change to the data is never hidden: it makes new keys, and the old entries age out.
    A store that changes every few seconds (a live feed) would then never hit the cache;
    with ``max_age`` (seconds) the version is left out of the keys and an entry is
    counted again once it is older than that, so a change shows within ``max_age``.
    """

    def __init__(self, size: int = 48, max_age: float | None = None) -> None:
        self.size = size
        self.max_age = max_age
        self._items: "OrderedDict[tuple, tuple[float, object]]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        """The value kept under ``key`` and young enough, else None."""
        with self._lock:
            held = self._items.get(key)
            if held is None or (self.max_age is not None
                                and _time.monotonic() - held[0] > self.max_age):
                return None
            self._items.move_to_end(key)
            return held[1]

    def get_or_compute(self, key: tuple, make):
        """The value kept under ``key``, or ``make()``'s, kept from now on."""
        held = self.get(key)
        if held is not None:
            return held
        made = _time.monotonic()
        value = make()  # outside the lock: a slow query must not stall other threads
        with self._lock:
            self._items[key] = (made, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def key(self, conn: Connection, *parts) -> tuple:
        """A key for ``parts`` in this store (at its current data version, unless the
        cache ages entries by ``max_age`` instead; then at its regions version, so counts
        kept per region never outlive an import of regions)."""
        if self.max_age is not None:
            return (str(conn.engine.url), "regions", regions_version(conn), *parts)
        return (str(conn.engine.url), data_version(conn), *parts)

    def __len__(self) -> int:
        return len(self._items)


def _cached(conn: Connection, cache: ResultCache | None, parts: tuple,
            group_ids: list[int] | None, make):
    """Per-region rows from ``make(only)``: with a cache, every region's rows (kept);
    without one, only the rows of the regions under ``group_ids``. A few regions asked
    of a cache that does not hold the rows yet are read alone (a click on a grid right
    after the data changed should not wait for the whole deployment's counts)."""
    if cache is None:
        return make(_under(conn, group_ids))
    key = cache.key(conn, *parts)
    held = cache.get(key)
    if held is not None:
        return held
    only = _under(conn, group_ids)
    if isinstance(only, _Few):
        return make(only)
    return cache.get_or_compute(key, lambda: make(None))


@dataclass(frozen=True)
class _Few:
    """Cases of a few regions (a small part of the tree): read best by region."""

    condition: ColumnElement[bool]
    ids: tuple[int, ...] = ()


#: A subtree holding at most this share of the regions is read through the region index.
_FEW_SHARE = 0.05


def _under(conn: Connection, group_ids: list[int] | None):
    """Cases located under the groups: None when that is no narrowing (no groups, or a
    top-level region among them), a :class:`_Few` for a small subtree, else a condition.
    (Narrowing never changes a result: the roll-up adds up only the groups' regions.)"""
    if group_ids is None:
        return None
    tops = conn.execute(select(func.count()).select_from(Region)
                        .where(Region.id.in_(group_ids), Region.parent_id.is_(None))).scalar()
    if tops:
        return None
    ids = [rid for (rid,) in conn.execute(
        select(RegionAncestor.descendant_id).where(RegionAncestor.ancestor_id.in_(group_ids))
        .distinct())]
    total = conn.execute(select(func.count()).select_from(Region)).scalar() or 1
    if len(ids) <= _FEW_SHARE * total:
        return _Few(Case.region_id.in_(ids), tuple(ids))
    return Case.region_id.in_(select(RegionAncestor.descendant_id)
                              .where(RegionAncestor.ancestor_id.in_(group_ids)))


def few_regions(conn: Connection, group_ids: list[int] | None) -> bool:
    """Whether the regions under ``group_ids`` are a small part of the tree (read best
    by region, and not worth counting the whole deployment for)."""
    return isinstance(_under(conn, group_ids), _Few)


# --- the aggregation ------------------------------------------------------------------------

_CASE_KEYS = ("reported", "filed", "dispatched", "resolved", "closed", "closed_on_time",
              "due_to_close", "due_to_close_with_deadline", "due_to_handle", "open", "overdue",
              "resolved_with_level", "resolved_in_grid", "disputes_mediated",
              "mediation_successes", "disputes_screened", "disputes_resolved", "rated",
              "satisfied", "closed_with_deadline", "resolved_with_deadline",
              "due_to_handle_with_deadline", "open_with_deadline", "open_clocked")


def _case_counts(conn: Connection, group_ids: list[int] | None, p: Period,
                 as_of: datetime, scope: CaseScope | None = None,
                 cache: "ResultCache | None" = None) -> dict[int, dict[str, int]]:
    rows = _cached(conn, cache, ("cases", p, as_of, scope), group_ids,
                   lambda only: _case_rows(conn, p, as_of, scope, only))
    return _roll_up(conn, rows, list(_CASE_KEYS), group_ids, cache)


def _case_rows(conn: Connection, p: Period, as_of: datetime, scope: CaseScope | None,
               only: ColumnElement[bool] | None) -> list:
    """Each region's own counts (one row per region, -1 for unlocated cases)."""
    c = Case
    not_waiting = c.status.not_in([schema.VOIDED, schema.REPORTED])
    # a deadline counts once it has come: in P and by as_of (the rest of today is not due yet)
    fell_due = and_(c.due_at >= p.start, c.due_at < p.end, c.due_at <= as_of)
    # ... and a case closed (resolved) before P was counted then, not again now
    due_to_close = or_(
        and_(not_waiting, fell_due, or_(c.closed_at.is_(None), c.closed_at >= p.start)),
        _within(c.closed_at, p),
    )
    due_to_handle = or_(
        and_(c.status != schema.VOIDED, c.dispatched_at.is_not(None), fell_due,
             or_(c.resolved_at.is_(None), c.resolved_at >= p.start)),
        _within(c.resolved_at, p),
    )
    open_now = open_at(as_of)
    timed = c.due_at.is_not(None)
    closed_in_p = _within(c.closed_at, p)
    resolved_in_p = _within(c.resolved_at, p)
    mediated = and_(c.case_class == schema.DISPUTE, _within(c.mediated_at, p),
                    c.mediation_outcome.is_not(None))
    screened = and_(c.case_class == schema.DISPUTE, _within(c.reported_at, p),
                    c.status != schema.VOIDED)
    counts = {
        "reported": _within(c.reported_at, p),
        "filed": and_(_within(c.reported_at, p), c.status.in_(schema.ACCEPTED_STATUSES)),
        "dispatched": _within(c.dispatched_at, p),
        "resolved": resolved_in_p,
        "closed": closed_in_p,
        "closed_on_time": and_(closed_in_p, c.due_at.is_not(None), c.closed_at <= c.due_at),
        "due_to_close": due_to_close,
        "due_to_close_with_deadline": and_(due_to_close, c.due_at.is_not(None)),
        "due_to_handle": due_to_handle,
        "open": open_now,
        "overdue": and_(open_now, c.status != schema.SUSPENDED, c.due_at < as_of),
        "resolved_with_level": and_(resolved_in_p, c.resolved_level.is_not(None)),
        "resolved_in_grid": and_(resolved_in_p, c.resolved_level == schema.GRID_LEVEL),
        "disputes_mediated": mediated,
        "mediation_successes": and_(mediated, c.mediation_outcome == schema.MEDIATION_SUCCESS),
        "disputes_screened": screened,
        "disputes_resolved": and_(screened, c.mediation_outcome == schema.MEDIATION_SUCCESS,
                                  c.mediated_at <= as_of),
        "rated": and_(closed_in_p, c.satisfaction.is_not(None)),
        "satisfied": and_(closed_in_p, c.satisfaction.in_(
            [schema.SATISFIED, schema.BASICALLY_SATISFIED])),
        "closed_with_deadline": and_(closed_in_p, timed),
        "resolved_with_deadline": and_(resolved_in_p, timed),
        "due_to_handle_with_deadline": and_(due_to_handle, timed),
        "open_with_deadline": and_(open_now, timed),
        # open and its clock started (dispatched, or given a deadline): those that should
        # have a deadline (one awaiting verification or dispatch has none yet)
        "open_clocked": and_(open_now, or_(timed, c.dispatched_at.is_not(None))),
    }
    assert tuple(counts) == _CASE_KEYS
    region = _region_key(c.region_id)
    query = (select(region, *(count_if(cond).label(key) for key, cond in counts.items()))
             .select_from(c).group_by(region))
    query = scoped(query, scope)
    if isinstance(only, _Few):
        # a few regions: read their cases through the region index and drop the ones no
        # count can include (the same cases _touched picks)
        query = query.where(only.condition, or_(
            *(column >= p.start for column in _TIMES), c.status.in_(schema.OPEN_STATUSES)))
    else:
        query = query.where(_touched(p, as_of))
        if only is not None:
            query = query.where(only)
    return _plain(conn.execute(query))


_EVENT_KEYS = ("dispatches", "returns", "reworks", "postponed")


def _event_counts(conn: Connection, group_ids: list[int] | None,
                  p: Period, scope: CaseScope | None = None,
                  cache: "ResultCache | None" = None) -> dict[int, dict[str, int]]:
    rows = _cached(conn, cache, ("events", p, scope), group_ids,
                   lambda only: _event_rows(conn, p, scope, only))
    return _roll_up(conn, rows, list(_EVENT_KEYS), group_ids, cache)


def _event_rows(conn: Connection, p: Period, scope: CaseScope | None,
                only: ColumnElement[bool] | None) -> list:
    e = CaseEvent
    counted = {"dispatch": "dispatches", "return": "returns", "rework": "reworks"}
    region = _region_key(Case.region_id)
    query = (
        select(
            region,
            *(count_if(e.action == action).label(key) for action, key in counted.items()),
            # a case lies in one region, so distinct cases per region add up exactly
            func.count(distinct(case((e.action == "postpone", e.case_id)))).label("postponed"),
        )
        .select_from(e)
        .join(Case, Case.id == e.case_id)
        .group_by(region)
    )
    assert (*counted.values(), "postponed") == _EVENT_KEYS
    query = scoped(query, scope)
    action, at = e.action, e.at
    if isinstance(only, _Few):
        # a few regions: their cases first (region index), then those cases' events
        # (case index), not every event of the period checked for its region; wrapping
        # the action and time keeps a database from choosing their index instead
        action, at = func.coalesce(e.action, ""), func.coalesce(e.at, e.at)
        query = query.where(only.condition,
                            e.case_id.in_(select(Case.id).where(only.condition)))
    elif only is not None:
        query = query.where(only)
    query = query.where(action.in_([*counted, "postpone"]), _within(at, p))
    return _plain(conn.execute(query))


#: Beyond this span a period reads most cases anyway, and one scan beats many lookups.
_LOOKUP_SPAN = timedelta(days=120)


_TIMES = (Case.reported_at, Case.dispatched_at, Case.resolved_at, Case.closed_at,
          Case.voided_at, Case.due_at, Case.mediated_at)


def not_voided_at(as_of) -> ColumnElement[bool]:
    """A case not voided at ``as_of`` (voided later, or never); ``as_of`` a time or a
    bound parameter."""
    return or_(Case.status != schema.VOIDED, Case.voided_at > as_of)


def open_at(as_of) -> ColumnElement[bool]:
    """The registry's "open at ``as_of``": reported by then, neither voided nor closed by
    then (a closed case without ``closed_at`` never open); ``as_of`` a time or a bound
    parameter. The one definition the metrics, the wall's live counts and the alert rules
    use."""
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


def _touched(p: Period, as_of: datetime) -> ColumnElement[bool]:
    """Which cases any count of P can include: one with some time at or after P's start,
    or one still open now (an open case is open at any as_of after it was reported).

    For a recent period each part is a range lookup on its own index, so a day's or a
    month's counts read that day's or month's cases, not every case the store ever held."""
    c = Case
    columns = _TIMES
    if as_of - p.start > _LOOKUP_SPAN:
        return or_(*(column >= p.start for column in columns),
                   c.status.in_(schema.OPEN_STATUSES))
    parts = [select(c.id).where(column >= p.start) for column in columns]
    parts.append(select(c.id).where(c.status.in_(schema.OPEN_STATUSES)))
    return c.id.in_(union(*parts))


def _closure(conn: Connection, group_ids: list[int],
             cache: ResultCache | None = None) -> pd.DataFrame:
    """(g, region) for every region under each group (the group itself included)."""
    if cache is not None:
        return cache.get_or_compute(cache.key(conn, "closure", tuple(group_ids)),
                                    lambda: _closure(conn, group_ids))
    return pd.DataFrame(_plain(conn.execute(
        select(RegionAncestor.ancestor_id, RegionAncestor.descendant_id)
        .where(RegionAncestor.ancestor_id.in_(group_ids)))), columns=["g", "region"])


def _roll_up(conn: Connection, rows, keys: list[str], group_ids: list[int] | None,
             cache: ResultCache | None = None, *, closure: pd.DataFrame | None = None
             ) -> dict[int, dict[str, int]]:
    """Per-region counts summed up to each requested region (through the closure table),
    or to the whole deployment (unlocated cases included) when ``group_ids`` is None.

    The database counts each region's own cases; adding the counts up the tree is pandas'
    part, which is the same arithmetic for any depth of hierarchy (``closure``: the
    groups' :func:`_closure` when the caller has it already)."""
    frame = pd.DataFrame(rows, columns=["region", *keys])
    if frame.empty:
        return {}
    if group_ids is None:
        return {_ALL: {k: int(frame[k].sum()) for k in keys}}
    if closure is None:
        closure = _closure(conn, group_ids, cache)
    summed = closure.merge(frame, on="region").groupby("g")[keys].sum()
    return {int(g): {k: int(row[k]) for k in keys} for g, row in summed.iterrows()}


def _median_hours(conn: Connection, group_ids: list[int] | None, p: Period,
                  scope: CaseScope | None = None, cache: "ResultCache | None" = None,
                  source: str = "direct") -> dict[int, float | None]:
    """The registry's median hours to close per group (durations in whole tenths of an
    hour, :mod:`data.rollup_hours`). Without a scope and unless ``source`` is "direct",
    from the closings' histograms kept per region and day
    (:func:`data.rollup_medians.medians`);
    else the database gives each region's count per duration (:func:`_hours_rows`) and the
    same weighted median is taken of each group's."""
    if source != "direct" and (scope is None or scope.is_everything):
        rolled = _rolled_medians(conn, group_ids, p, cache)
        if rolled is not None:
            return rolled
        if source == "rollups":
            raise RuntimeError("this store has no usable rollups (python -m dashboard db "
                               "rollups --rebuild)")
    frame = _cached(conn, cache, ("hours", p, scope), group_ids,
                    lambda only: _hours_rows(conn, p, scope, only))
    if frame.empty:
        return {}
    if group_ids is None:
        return {_ALL: rollup_hours.median(frame["tenths"], frame["n"])}
    merged = _closure(conn, group_ids, cache).merge(frame, on="region")
    return {int(g): rollup_hours.median(part["tenths"], part["n"])
            for g, part in merged.groupby("g")}


def _rolled_medians(conn: Connection, group_ids: list[int] | None, p: Period,
                    cache: "ResultCache | None") -> dict[int, float | None] | None:
    if cache is not None:  # kept as the direct counts are (by data version or by age)
        key = cache.key(conn, "rolled_median", p,
                        None if group_ids is None else tuple(group_ids))
        return _kept_or_none(cache, key, lambda: _rolled_medians(conn, group_ids, p, None))
    less = None
    if not p.whole:  # the histograms hold whole days: less the closings after the cut
        tz = deployment_timezone(conn)
        rest = Period(p.last, p.last, p.end, local_midnight_utc(p.last + timedelta(days=1), tz))
        frame = _hours_rows(conn, rest, None, _under(conn, group_ids))
        if group_ids is None:
            less = {_ALL: frame[["tenths", "n"]].to_numpy()}
        else:
            merged = _closure(conn, group_ids).merge(frame, on="region")
            less = {int(g): part[["tenths", "n"]].to_numpy() for g, part in merged.groupby("g")}
    return rollup_medians.medians(conn, group_ids, p.first, p.last, less)


#: What a cache keeps for "the rollups could not answer" (a kept None reads as not kept).
_NO_ROLLUPS = "no usable rollups"


def _kept_or_none(cache: "ResultCache", key: tuple, make):
    """``make()``'s value kept in ``cache``, its None too: a read of the rollups that
    could not answer (they were being rebuilt by another connection) is kept as such,
    so the figures counted directly instead stay the ones shown for as long as the
    cache keeps them, not swapped for the rollups' at the next look."""
    held = cache.get_or_compute(key, lambda: _NO_ROLLUPS if (made := make()) is None else made)
    return None if isinstance(held, str) and held == _NO_ROLLUPS else held


def _hours_rows(conn: Connection, p: Period, scope: CaseScope | None,
                only: ColumnElement[bool] | None) -> pd.DataFrame:
    """Each region's count of the cases closed in P per duration in tenths of an hour."""
    tenths = duration_tenths(Case.reported_at, Case.closed_at).label("tenths")
    region = _region_key(Case.region_id)
    query = scoped(select(region, tenths, func.count().label("n")).select_from(Case)
                   .where(_within(Case.closed_at, p)).group_by(region, tenths), scope)
    if only is not None:
        query = query.where(getattr(only, "condition", only))
    frame = pd.DataFrame(_plain(conn.execute(query)), columns=["region", "tenths", "n"])
    return frame.astype({"region": "int64", "tenths": "int64", "n": "int64"})


def _patrol_coverage(conn: Connection, group_ids: list[int] | None, p: Period,
                     cache: ResultCache | None = None) -> dict[int, tuple[int, int]]:
    """(leaves patrolled in P, leaves) under each group (groups without leaves left out).
    The database counts them: each leaf under the groups is asked once whether a patrol
    visit (``patrol_visits``: where the fixes fell, per local day) started there in P, a
    probe of the (region, first_at) index, so the cost follows the leaves shown, not the
    visits of the period; the flags are then counted per group through the closure."""
    if conn.scalar(select(Patrol.id).limit(1)) is None:
        return {}  # a deployment that records no patrols: coverage is unknown, not 0%
    if cache is not None:
        key = cache.key(conn, "patrol", p, None if group_ids is None else tuple(group_ids))
        return cache.get_or_compute(key, lambda: _patrol_coverage(conn, group_ids, p))
    child = Region.__table__.alias("child")
    is_leaf = ~exists().where(child.c.parent_id == Region.id)
    if group_ids is None:
        leaves = select(Region.id.label("leaf")).where(is_leaf).subquery()
    else:
        leaves = (select(RegionAncestor.descendant_id.label("leaf"))
                  .join(Region, Region.id == RegionAncestor.descendant_id)
                  .where(RegionAncestor.ancestor_id.in_(group_ids), is_leaf)
                  .distinct().subquery())
    visit = PatrolVisit.__table__.alias("visit")
    patrolled = exists().where(visit.c.region_id == leaves.c.leaf,
                               _within(visit.c.first_at, p))
    flags = (select(leaves.c.leaf, count_if(patrolled).label("done"))
             .group_by(leaves.c.leaf).subquery())
    if group_ids is None:
        query = select(literal(_ALL), func.count(), func.sum(flags.c.done)).select_from(flags)
    else:
        query = (select(RegionAncestor.ancestor_id, func.count(), func.sum(flags.c.done))
                 .join(flags, flags.c.leaf == RegionAncestor.descendant_id)
                 .where(RegionAncestor.ancestor_id.in_(group_ids))
                 .group_by(RegionAncestor.ancestor_id))
    return {int(g): (int(done or 0), int(n)) for g, n, done in conn.execute(query) if n}


def patrol_coverage(conn: Connection, groups: Iterable[int] | None,
                    period: Period) -> dict[int, float | None]:
    """The registry's ``patrol_coverage`` alone, for views that need only it (the wall)."""
    group_ids = None if groups is None else list(groups)
    pairs = _patrol_coverage(conn, group_ids, period)
    keys = [_ALL] if group_ids is None else group_ids
    return {g: _ratio(*pairs.get(g, (0, 0))) for g in keys}


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _shape(counts: dict[str, int], events: dict[str, int], median: float | None,
           patrol: tuple[int, int]) -> dict[str, object]:
    """Turn raw counts into the registry's metrics (in the registry's order)."""
    c = {key: 0 for key in ("reported", "filed", "dispatched", "resolved", "closed",
                            "closed_on_time", "due_to_close", "due_to_close_with_deadline",
                            "due_to_handle", "open", "overdue", "resolved_with_level",
                            "resolved_in_grid", "disputes_mediated", "mediation_successes",
                            "disputes_screened", "disputes_resolved", "rated", "satisfied",
                            "closed_with_deadline", "resolved_with_deadline",
                            "due_to_handle_with_deadline", "open_with_deadline",
                            "open_clocked")}
    c.update(counts)
    ev = {"dispatches": 0, "returns": 0, "reworks": 0, "postponed": 0}
    ev.update(events)
    values: dict[str, object] = {
        "reported": c["reported"],
        "filed": c["filed"],
        "dispatched": c["dispatched"],
        "resolved": c["resolved"],
        "closed": c["closed"],
        # unknown, not 0, when cases closed and none of them had a deadline
        "closed_on_time": (None if c["closed"] and not c["closed_with_deadline"]
                           else c["closed_on_time"]),
        "due_to_close": c["due_to_close"],
        "due_to_handle": c["due_to_handle"],
        # over the cases with a deadline only: a case without one is never "due", so
        # counting it would make closed / closed = 100% (issue 17)
        "closure_rate": _ratio(c["closed_with_deadline"], c["due_to_close_with_deadline"]),
        "on_time_closure_rate": _ratio(c["closed_on_time"], c["due_to_close_with_deadline"]),
        "handling_rate": _ratio(c["resolved_with_deadline"], c["due_to_handle_with_deadline"]),
        "deadline_coverage": _ratio(c["due_to_close_with_deadline"], c["due_to_close"]),
        "handling_deadline_coverage": _ratio(c["due_to_handle_with_deadline"],
                                             c["due_to_handle"]),
        "rework_rate": _ratio(ev["reworks"], c["due_to_close"]),
        "postponement_rate": _ratio(ev["postponed"], c["due_to_handle"]),
        "open": c["open"],
        # unknown while open cases exist and none of them has a deadline
        "overdue": None if c["open"] and not c["open_with_deadline"] else c["overdue"],
        "open_deadline_coverage": _ratio(c["open_with_deadline"], c["open_clocked"]),
        "dispatches": ev["dispatches"],
        "returns": ev["returns"],
        "accurate_dispatch_rate": (
            None if ev["dispatches"] == 0
            else max(ev["dispatches"] - ev["returns"], 0) / ev["dispatches"]
        ),
        "in_grid_resolution_rate": _ratio(c["resolved_in_grid"], c["resolved_with_level"]),
        "disputes_mediated": c["disputes_mediated"],
        "mediation_success_rate": _ratio(c["mediation_successes"], c["disputes_mediated"]),
        "disputes_screened": c["disputes_screened"],
        "dispute_resolution_rate": _ratio(c["disputes_resolved"], c["disputes_screened"]),
        "satisfaction_rate": _ratio(c["satisfied"], c["rated"]),
        "median_hours_to_close": median,
        "patrol_coverage": _ratio(*patrol),
    }
    assert tuple(values) == KEYS, "metrics.py and metric_registry.py disagree on the keys"
    return values


def compute(conn: Connection, groups: Iterable[int] | None, period: Period,
            as_of: datetime, *, scope: CaseScope | None = None,
            cache: "ResultCache | None" = None,
            source: str = "auto") -> dict[int, dict[str, object]]:
    """Metrics for each region id in ``groups`` (each with all its descendants).

    ``groups=None`` computes one group, the whole deployment (unlocated cases included),
    under the key 0. ``scope`` keeps every case count, event count and the median to the
    cases of some categories and sources (the console's filters); patrol coverage is about
    grids, not cases, and ignores it. No scope gives exactly the unfiltered metrics.

    Without a scope the counts come from the rollups (:mod:`data.rollups`: per region and
    local day, kept up to date as cases change), so their cost follows the period's days,
    not the cases it holds; so does the median hours to close, from per-day histograms of
    the closings (:mod:`data.rollup_hours`); what depends on ``as_of`` (open, overdue,
    deadlines still to come or met after the period, mediations after ``as_of``) is counted
    directly over the few cases it can concern, and the distinct postponed cases from
    their kept per-day set (:mod:`data.rollup_postpones`). A
    scope (category, source or department filters) counts directly from the cases, as
    does a store without rollups, and ``source="direct"`` (the rollups' check). Both ways
    give the same figures: tests/data/test_rollups.py compares them.

    A period cut short of its last day's end (``period.whole`` False: the part of a
    comparison period that matches a running one, :func:`data.periods.same_span`) reads
    its days from the rollups and the closings' histograms less what its last day holds
    after the cut (counted from the cases of that part of the day).

    Without ``cache`` the database counts only the cases under ``groups``. With a
    :class:`ResultCache` it counts every region's cases once per store version, period,
    ``as_of`` and scope, and keeps them, so the next region asked about (a click further
    down or back up) costs only the adding up.
    """
    group_ids = None if groups is None else list(groups)
    if group_ids == []:
        return {}
    if source not in ("auto", "direct", "rollups"):
        raise ValueError(f"source must be auto, direct or rollups, got {source!r}")
    # grids, not cases: read beside the counts (on PostgreSQL, at once)
    patrolled = read_beside(conn, lambda c: _patrol_coverage(c, group_ids, period, cache))
    rolled = None
    if source != "direct" and (scope is None or scope.is_everything):
        rolled = _rolled_counts(conn, group_ids, period, as_of, cache)
        if rolled is None and source == "rollups":
            raise RuntimeError("this store has no usable rollups (python -m dashboard db "
                               "rollups --rebuild)")
    if rolled is not None:
        counts, events = rolled
    else:
        counts = _case_counts(conn, group_ids, period, as_of, scope, cache)
        events = _event_counts(conn, group_ids, period, scope, cache)
    medians = _median_hours(conn, group_ids, period, scope, cache, source)
    patrols = patrolled()
    keys = [_ALL] if group_ids is None else group_ids
    return {
        g: _shape(counts.get(g, {}), events.get(g, {}), medians.get(g), patrols.get(g, (0, 0)))
        # (0, 0) makes the rate None: no grids, or no patrol records at all
        for g in keys
    }


# --- from the rollups -----------------------------------------------------------------------

def _rolled_counts(conn: Connection, group_ids: list[int] | None, p: Period,
                   as_of: datetime, cache: "ResultCache | None"):
    """(case counts, event counts) per group from the rollups and the direct counts of
    what depends on ``as_of`` (:mod:`data.rollup_read`); None when the store has no
    usable rollups."""
    if cache is not None:  # kept as the direct counts are (by data version or by age)
        key = cache.key(conn, "rolled", p, as_of, None if group_ids is None else tuple(group_ids))
        return _kept_or_none(cache, key, lambda: _rolled_counts(conn, group_ids, p, as_of, None))
    tz = deployment_timezone(conn)
    # open and overdue: the rollups' days before as_of's, or through it when the rest of
    # that day holds fewer cases than its start (open_today_rows then counts back)
    from_end = rollup_read.counts_from_day_end(as_of, tz)
    through = local_date(as_of, tz) + timedelta(days=1 if from_end else 0)
    sums = rollups.read(conn, group_ids, p.first, p.last, before=through)
    if sums is None:
        return None
    # (cache is None here) the groups' cases and closure, read once for the three below
    only = _under(conn, group_ids)
    closure = None if group_ids is None else _closure(conn, group_ids)
    now_part = _roll_up(conn, rollup_read.open_today_rows(conn, as_of, tz, only,
                                                          from_end=from_end),
                        ["open", "overdue", "open_with_deadline", "open_clocked"], group_ids,
                        closure=closure)
    if not p.whole:  # the rollups hold whole days: less the rest of the cut day
        rest = _roll_up(conn, rollup_read.rest_of_day_rows(conn, p, tz, only),
                        list(rollups.COUNTS), group_ids, closure=closure)
        for g, counts in rest.items():
            if g in sums:
                for k, n in counts.items():
                    sums[g][k] -= n
    extra = _roll_up(conn, rollup_read.as_of_rows(conn, p, as_of, only),
                     list(rollup_read.AS_OF_KEYS), group_ids, closure=closure)
    postponed = _roll_up(conn, rollup_read.postponed_rows(conn, p, only),
                         ["postponed"], group_ids, closure=closure)
    return rollup_read.combine(sums, now_part, extra, postponed)


def data_now(conn: Connection, now: datetime) -> tuple[datetime, bool]:
    """The moment a wall shows and the alerts are computed at: ``now``, or, for an old
    export whose newest case is more than 30 days old, the end of that case's local day
    (and True), so the wall shows the data's last days as ``dashboard summary`` does, not
    30 empty ones, and the early-warning rules look at those days."""
    latest = conn.scalar(select(func.max(Case.reported_at)))
    if latest is None or latest >= now - timedelta(days=DEFAULT_DAYS):
        return now, False
    tz = deployment_timezone(conn)
    day = local_date(latest, tz)
    end = period_for(day, day, tz).end
    return end - timedelta(microseconds=1), True


def default_anchor(conn: Connection, now: datetime) -> datetime:
    """The moment the default period ends at: ``now``, or the newest case's time when the
    store's newest case is older than the default period (an imported old export shows
    its data, not 30 empty days)."""
    latest = conn.scalar(select(func.max(Case.reported_at)))
    if latest is not None and latest < now - timedelta(days=DEFAULT_DAYS):
        return latest
    return now
