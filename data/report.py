"""A region, its children and the period before: the figures every report starts from.

:func:`region_report` computes them once, the same way, for ``dashboard summary``
(:func:`summarize`), the console's region view (:func:`data.region_view.region_view`) and
the weekly briefing (:func:`data.briefing.briefing_data`): the registry's metrics
(:func:`data.metrics.compute`) of the region over a period, of each of its children, of
the period of equal length just before, and, for the briefing, of the year before.

The whole deployment is region ``None``; as a dict it has no code and no name, only the
key :data:`WHOLE` for the interface to word (``layouts.text.region_name``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, select

from data.metrics import (DEFAULT_DAYS, CaseScope, Period, ResultCache, compute,
                          default_anchor, local_date, period_for)
from data.periods import same_span
from data.models import Case, Patrol
from data.regions import RegionInfo, children_of, get_region
from data.store import deployment_timezone, read_beside, utcnow

#: The key of the whole deployment (the region of code None), worded by the interface.
WHOLE = "all"


def whole_deployment() -> dict[str, object]:
    """The region dict of the whole deployment: no code, no name, the key :data:`WHOLE`."""
    return {"code": None, "key": WHOLE, "name": None, "level": None, "depth": -1}


@dataclass(frozen=True)
class RegionReport:
    """The registry's metrics of a region (None: the whole deployment) and its children
    over ``period`` (as of ``as_of``), and of the region over the comparison periods.

    ``previous``/``year_before`` are None when not asked for, or (``recorded_only``) when
    the store holds no comparable data for that period."""

    region: RegionInfo | None
    children: list[RegionInfo]
    period: Period
    as_of: datetime
    metrics: dict[str, object]
    children_metrics: dict[int, dict[str, object]]
    previous_period: Period
    previous: dict[str, object] | None
    year_before_period: Period | None = None
    year_before: dict[str, object] | None = None

    def region_dict(self) -> dict[str, object]:
        """The region's code/name/level/depth, or :func:`whole_deployment`."""
        return whole_deployment() if self.region is None else self.region.as_dict()

    @property
    def same_span(self) -> bool:
        """Whether the period is still running and so compared with the same elapsed span
        of the one before (:func:`data.periods.same_span`), not with all of it."""
        return not self.previous_period.whole

    def period_dict(self, tz: ZoneInfo) -> dict[str, object]:
        """The period and the one before as local dates, and ``as_of`` as local time
        (ISO text); ``same_span`` and, when true, ``previous_until``: the local moment the
        period before is counted until (like with like)."""
        out: dict[str, object] = {
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "previous_from": self.previous_period.first.isoformat(),
            "previous_to": self.previous_period.last.isoformat(),
            "as_of": _local_text(self.as_of, tz),
            "same_span": self.same_span,
        }
        if self.same_span:
            out["previous_until"] = _local_text(self.previous_period.end, tz)
        return out


def _local_text(moment: datetime, tz: ZoneInfo) -> str:
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).isoformat(timespec="seconds")


def region_report(conn: Connection, region: RegionInfo | None, period: Period,
                  now: datetime, *, scope: CaseScope | None = None,
                  cache: ResultCache | None = None, year_before: Period | None = None,
                  recorded_only: bool = False) -> RegionReport:
    """The metrics of ``region`` (None: the whole deployment, unlocated cases included)
    and of each of its children over ``period`` as of ``min(now, period.end)``, and of
    ``region`` over the period of equal length just before (and over ``year_before``
    when given), each comparison as of ``min(now, its end)``.

    While ``period`` is still running (``now`` before its end), the comparison periods
    are cut to its elapsed span (:func:`data.periods.same_span`: Monday to Wednesday 18:40
    against Monday to Wednesday 18:40 of the week before) and counted as of their cut.

    ``scope`` and ``cache`` are :func:`data.metrics.compute`'s. With ``recorded_only``, a
    comparison period that ends before the store's first case has no comparable figures
    (None, not zeros), and its patrol coverage is None when it ends before the first
    patrol: a rise "from 0" would be a lie about a period nobody recorded.
    """
    tz = deployment_timezone(conn)
    as_of = min(now, period.end)
    # a period still running is compared like with like: the same elapsed span before
    previous = same_span(period.previous(tz), period, as_of, tz)
    if year_before is not None:
        year_before = same_span(year_before, period, as_of, tz)
    kids = children_of(conn, region)
    kid_ids = [k.id for k in kids]
    key = 0 if region is None else region.id  # 0: compute's key of the whole deployment
    group = None if region is None else [region.id]
    first_case = _first_case_at(conn) if recorded_only else None

    def over(c: Connection, span: Period) -> dict[str, object] | None:
        if recorded_only and not _comparable(first_case, span):
            return None
        return compute(c, group, span, min(now, span.end), scope=scope, cache=cache)[key]

    # the comparisons are read beside the period's own figures (on PostgreSQL, at once)
    comparisons = read_beside(conn, lambda c: (
        over(c, previous), None if year_before is None else over(c, year_before)))
    if region is None:
        current = compute(conn, None, period, as_of, scope=scope, cache=cache)
        per_child = compute(conn, kid_ids, period, as_of, scope=scope, cache=cache)
    else:  # the region and its children in one pass over the period
        current = per_child = compute(conn, [region.id, *kid_ids], period, as_of,
                                      scope=scope, cache=cache)
    before, ago = comparisons()
    if recorded_only:
        # patrol records may begin later than cases: a comparison period before the first
        # patrol has no comparable coverage (not 0%)
        first_patrol = conn.scalar(select(func.min(Patrol.started_at)))
        for other, span in ((before, previous), (ago, year_before)):
            if other is not None and not _comparable(first_patrol, span):
                other["patrol_coverage"] = None
    return RegionReport(region, kids, period, as_of, current[key], per_child, previous,
                        before, year_before, ago)


def _first_case_at(conn: Connection) -> datetime | None:
    return conn.scalar(select(func.min(Case.reported_at)))


def _comparable(first_case: datetime | None, period: Period) -> bool:
    """Whether the store had begun recording cases by the end of ``period`` (its first
    case came before then); a period entirely before the data is not comparable."""
    return first_case is not None and first_case < period.end


def _resolve_period(first: date | None, last: date | None, now: datetime, tz: ZoneInfo) -> Period:
    if (first is None) != (last is None):
        raise ValueError("give both the first and the last date of the period, or neither")
    if first is None or last is None:
        last = local_date(now, tz)
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    return period_for(first, last, tz)


def summarize(engine: Engine | Connection, region_code: str | None = None,
              start: date | None = None, end: date | None = None, *,
              now: datetime | None = None,
              scope: CaseScope | None = None) -> dict[str, object]:
    """Every metric for a region (``None``: the whole deployment) and each of its children,
    over the local dates ``start``..``end`` (default: the 30 days up to today), with the
    same metrics for the period of equal length just before.

    When no period is given and the newest case is older than the default period, the
    period is the 30 days up to that case's day instead (an imported old export shows its
    data, not empty days); ``period.anchored_to_latest_case`` says so.

    ``scope`` narrows every count to some categories and sources (see :class:`CaseScope`).

    Raises :class:`data.regions.UnknownRegion` for a code no region has and ``ValueError``
    for a period that is half given or runs backwards.
    """
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return summarize(conn, region_code, start, end, now=now, scope=scope)
    conn = engine
    now = utcnow() if now is None else now
    tz = deployment_timezone(conn)
    anchor = default_anchor(conn, now) if start is None and end is None else now
    period = _resolve_period(start, end, anchor, tz)
    region: RegionInfo | None = None if region_code is None else get_region(conn, region_code)
    report = region_report(conn, region, period, now, scope=scope)
    return {
        "region": report.region_dict(),
        "period": {**report.period_dict(tz), "timezone": tz.key,
                   "anchored_to_latest_case": anchor is not now},
        "metrics": report.metrics,
        "previous": report.previous,
        "children": [
            {**child.as_dict(), "metrics": report.children_metrics[child.id]}
            for child in report.children
        ],
    }
