"""The weekly briefing (周报) as plain data: every section of the printed report.

One ISO week (Monday..Sunday, local dates in the deployment's time zone) of one region.
Every figure is the metric registry's (:func:`data.metrics.compute`) over that week, so
the briefing equals ``python -m dashboard summary --from MONDAY --to SUNDAY`` and the wall.

Comparisons:

* **previous week** (环比): the 7 local days just before the week
  (:meth:`data.metrics.Period.previous`);
* a week still running is compared like with like: the previous week and the year-earlier
  week are counted only up to the same local weekday and time
  (:func:`data.periods.same_span`), and its days still to come are not drawn;
* **same week a year earlier** (同比): the same ISO week number of the previous ISO year.
  Week 53 exists only in some years; when the previous year has no week 53, week 52 of
  that year stands for it (:func:`year_earlier`).

A comparison period that ends before the store's first case has "no comparable data"
(None), not zeros (and its patrol coverage is None when it ends before the first patrol): a rise "from 0" would be a lie about a week nobody recorded.

Nothing here knows Dash or words; layouts word the data and draw it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, case, func, or_, select

from data import schema
from data.alerts.weekly import week_alerts
from data.field.assessment import STANDINGS, assess, score_shares, split_weights
from data.metrics import CaseScope, Period, compute, default_anchor, local_date, period_for
from data.models import Case, Department, Region
from data.panels import daily_trend, grid_shapes, leaves_under, ranking, shares
from data.regions import RegionInfo, UnknownRegion, root_region, within
from data.report import region_report
from data.store import deployment_timezone, get_meta

__all__ = ["BriefingError", "IsoWeek", "UnknownRegion", "briefing_data", "change",
           "current_week", "default_week", "parse_week", "year_earlier"]

#: The headline metrics of the briefing's first page, in reading order.
HEADLINE = ("reported", "filed", "closed", "closure_rate", "on_time_closure_rate",
            "overdue", "in_grid_resolution_rate", "satisfaction_rate",
            "mediation_success_rate", "patrol_coverage", "median_hours_to_close")
TOP_SUBCATEGORIES = 8
TOP_GRIDS = 10
CASE_ROWS = 15  # overdue and urgent cases listed (the total is always given)

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class BriefingError(ValueError):
    """A briefing was asked for with a value it cannot take.

    ``key`` says why (``bad_week``, ``no_such_week``, ``no_region``), ``value`` is what
    was received; layouts word it in zh or en. ``str()`` is an English sentence.
    """

    def __init__(self, key: str, value: object, detail: str = "", **values: object) -> None:
        self.key = key
        self.value = value
        self.detail = detail
        #: placeholders for the message's words (``value``, and ``weeks`` for no_such_week)
        self.values = {"value": value, **values}
        text = f"{key.replace('_', ' ')}: {value!r}"
        super().__init__(f"{text} ({detail})" if detail else text)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week: ``year`` is the ISO year (which may differ from the calendar
    year of some of its days)."""

    year: int
    week: int

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 7)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def period(self, tz) -> Period:
        """Its local Monday..Sunday as a :class:`~data.metrics.Period`."""
        return period_for(self.monday, self.sunday, tz)


def weeks_in(year: int) -> int:
    """52 or 53: the number of ISO weeks of ISO year ``year``."""
    return date(year, 12, 28).isocalendar().week  # 28 December always lies in the last week


def parse_week(text: object) -> IsoWeek:
    """``"2026-W47"`` (also ``2026W47``, ``2026-w7``) as an :class:`IsoWeek`.

    Raises :class:`BriefingError` ``bad_week`` for anything else, and ``no_such_week`` for
    week 0, a week past 53, or week 53 of a year that has 52.
    """
    if not isinstance(text, str) or not text.strip():
        raise BriefingError("bad_week", text, "expected a week like 2026-W47")
    found = _WEEK.match(text.strip())
    if found is None:
        raise BriefingError("bad_week", text, "expected a week like 2026-W47")
    year, week = int(found.group(1)), int(found.group(2))
    if not 1 <= year <= 9998 or not 1 <= week <= weeks_in(year):
        weeks = weeks_in(year) if 1 <= year <= 9998 else 52
        raise BriefingError("no_such_week", text, f"{year} has weeks 1..{weeks}", weeks=weeks)
    return IsoWeek(year, week)


def week_of(day: date) -> IsoWeek:
    """The ISO week ``day`` lies in."""
    iso = day.isocalendar()
    return IsoWeek(iso.year, iso.week)


def current_week(conn: Connection, now: datetime) -> IsoWeek:
    """The ISO week of today (local) in the deployment."""
    return week_of(local_date(now, deployment_timezone(conn)))


def default_week(conn: Connection, now: datetime) -> IsoWeek:
    """The week a briefing shows when none is named: the last complete week (the one
    before today's), so that a week is compared with whole weeks; or, for an old export
    whose newest case is older than the default period, the week of that case (its data
    ends there). The running week is offered beside it, compared like with like."""
    anchor = default_anchor(conn, now)
    if anchor is not now:
        return week_of(local_date(anchor, deployment_timezone(conn)))
    return week_of(local_date(now, deployment_timezone(conn)) - timedelta(days=7))


def year_earlier(week: IsoWeek) -> IsoWeek:
    """The same ISO week a year earlier; week 53 maps to week 52 when the previous ISO
    year has no week 53."""
    year = week.year - 1
    return IsoWeek(year, min(week.week, weeks_in(year)))


# --- changes -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """A figure against a comparison: ``direction`` is up/down/flat/none (no comparable
    data); ``amount`` is the difference (cases, or percentage points for rates, or
    hours) and ``percent`` the relative change of a count (None when it has no base)."""

    direction: str
    amount: float | None = None
    percent: float | None = None


def change(current: object, previous: object, kind: str) -> Change:
    """How ``current`` moved from ``previous``. Rates move in percentage points, rounded
    to 0.1 (a move that rounds to 0.0 is flat); counts in cases, with the percentage
    when the previous count is not zero; hours to 0.1 h."""
    if current is None or previous is None:
        return Change("none")
    if kind == "rate":
        amount = round((float(current) - float(previous)) * 100, 1)
        percent = None
    elif kind == "hours":
        amount = round(float(current) - float(previous), 1)
        percent = None
    else:
        amount = int(current) - int(previous)
        percent = None if int(previous) == 0 else amount / int(previous) * 100
    if amount == 0:
        return Change("flat", 0.0 if kind != "count" else 0, percent)
    return Change("up" if amount > 0 else "down", amount, percent)


# --- sections ---------------------------------------------------------------------------------

def _where(query, region: RegionInfo | None):
    condition = within(Case.region_id, region)
    return query if condition is None else query.where(condition)


def grid_counts(conn: Connection, region: RegionInfo | None, period: Period) -> pd.DataFrame:
    """Cases reported in ``period`` per leaf region (grid) under ``region``: columns
    region_id, code, name, parent, n (grids without a case included, n 0), most first."""
    leaves = leaves_under(region).subquery()
    parent = Region.__table__.alias("parent")
    counted = (select(Case.region_id.label("rid"), func.count().label("n"))
               .where(Case.reported_at >= period.start, Case.reported_at < period.end)
               .group_by(Case.region_id).subquery())
    query = (select(Region.id, Region.code, Region.name, parent.c.name,
                    func.coalesce(counted.c.n, 0))
             .join(leaves, leaves.c.id == Region.id)
             .outerjoin(parent, parent.c.id == Region.parent_id)
             .outerjoin(counted, counted.c.rid == Region.id))
    frame = pd.DataFrame(conn.execute(query).all(),
                         columns=["region_id", "code", "name", "parent", "n"])
    frame["n"] = frame["n"].astype(int)
    return frame.sort_values(["n", "code"], ascending=[False, True], kind="stable"
                             ).reset_index(drop=True)


def department_metrics(conn: Connection, region: RegionInfo | None, period: Period,
                       as_of: datetime) -> list[dict[str, Any]]:
    """The registry's metrics of each department's cases under ``region`` over
    ``period`` (:class:`~data.metrics.CaseScope` ``departments``), for the departments
    that had any case to count; ranked by on-time closure rate, best first, no value
    last (ties: more closed first, then name). Each item: code, name, and the metrics."""
    c = Case
    touched = or_(*(and_(col >= period.start, col < period.end) for col in (
        c.reported_at, c.closed_at, c.resolved_at, c.due_at, c.dispatched_at)))
    query = _where(select(c.department_id).where(c.department_id.is_not(None), touched)
                   .distinct(), region)
    dept_ids = sorted(d for (d,) in conn.execute(query))
    if not dept_ids:
        return []
    names = {d: (code, name) for d, code, name in conn.execute(
        select(Department.id, Department.code, Department.name)
        .where(Department.id.in_(dept_ids)))}
    group = None if region is None else [region.id]
    key = 0 if region is None else region.id
    rows = []
    for dept in dept_ids:
        values = compute(conn, group, period, as_of,
                         scope=CaseScope(departments=(dept,))).get(key, {})
        code, name = names.get(dept, (str(dept), str(dept)))
        rows.append({"code": code, "name": name, **values})
    rows.sort(key=lambda r: (r.get("on_time_closure_rate") is None,
                             -(r.get("on_time_closure_rate") or 0), -(r.get("closed") or 0),
                             r["name"]))
    return rows


def attention_cases(conn: Connection, region: RegionInfo | None, as_of: datetime,
                    limit: int = CASE_ROWS) -> tuple[pd.DataFrame, int, int]:
    """Open cases at ``as_of`` that are overdue (not suspended, deadline passed: the
    registry's ``overdue``) or urgent (急要件), most overdue first, urgent ones without a
    deadline passed after them. Returns (the first ``limit`` rows, how many are overdue,
    how many are listed in all). Columns: code, subcategory, place, department, due_at
    (UTC), hours_overdue (None if not overdue), urgent, status."""
    c = Case
    open_at = and_(c.reported_at <= as_of,
                   or_(c.status != schema.VOIDED, c.voided_at > as_of),
                   or_(c.closed_at > as_of, and_(c.closed_at.is_(None),
                                                  c.status != schema.CLOSED)))
    overdue = and_(c.status != schema.SUSPENDED, c.due_at < as_of)
    n_overdue = conn.scalar(_where(select(func.count()).select_from(c)
                                   .where(open_at, overdue), region)) or 0
    columns = ["code", "subcategory", "place", "department", "due_at", "status", "urgent"]
    rows = conn.execute(_where(
        select(c.code, func.coalesce(c.subcategory, c.category), Region.name, Department.name,
               c.due_at, c.status, c.urgent)
        .outerjoin(Region, Region.id == c.region_id)
        .outerjoin(Department, Department.id == c.department_id)
        .where(open_at, or_(overdue, c.urgent.is_(True))), region)).all()
    total = len(rows)
    if not rows:
        return pd.DataFrame(columns=[*columns, "hours_overdue"]), int(n_overdue), 0
    frame = pd.DataFrame(rows, columns=columns)
    due = pd.to_datetime(frame["due_at"])
    late = (pd.Timestamp(as_of) - due).dt.total_seconds() / 3600
    is_late = (frame["status"] != schema.SUSPENDED) & due.notna() & (due < pd.Timestamp(as_of))
    frame["hours_overdue"] = late.where(is_late)
    frame["urgent"] = frame["urgent"].astype(bool)
    frame = frame.sort_values(["hours_overdue", "urgent", "code"],
                              ascending=[False, False, True], na_position="last",
                              kind="stable").reset_index(drop=True)
    frame["hours_overdue"] = frame["hours_overdue"].astype(object).where(
        frame["hours_overdue"].notna(), None)
    return frame.head(limit), int(n_overdue), total


def disputes(conn: Connection, region: RegionInfo | None, period: Period) -> pd.DataFrame:
    """Disputes under ``region`` by kind (subcategory): reported in ``period``, mediated
    in it, of those successful and failed. Columns key, reported, mediated, success,
    failure; most reported first."""
    c = Case
    in_p = lambda col: and_(col >= period.start, col < period.end)  # noqa: E731
    mediated = and_(in_p(c.mediated_at), c.mediation_outcome.is_not(None))
    key = func.coalesce(c.subcategory, c.category, "").label("key")
    query = _where(
        select(key,
               func.coalesce(func.sum(case((in_p(c.reported_at), 1), else_=0)), 0),
               func.coalesce(func.sum(case((mediated, 1), else_=0)), 0),
               func.coalesce(func.sum(case((and_(
                   mediated, c.mediation_outcome == schema.MEDIATION_SUCCESS), 1), else_=0)), 0))
        .where(c.case_class == schema.DISPUTE, or_(in_p(c.reported_at), mediated))
        .group_by(key), region)
    frame = pd.DataFrame(conn.execute(query).all(),
                         columns=["key", "reported", "mediated", "success"])
    for column in ("reported", "mediated", "success"):
        frame[column] = frame[column].astype(int)
    frame["failure"] = frame["mediated"] - frame["success"]
    return frame.sort_values(["reported", "mediated", "key"], ascending=[False, False, True],
                             kind="stable").reset_index(drop=True)


OFFICER_ROWS = 5  # the week's top and bottom five officers


def officers(conn: Connection, region: RegionInfo | None, period: Period, as_of: datetime,
             weights: dict | None = None) -> dict[str, Any]:
    """The officers' assessment of the week (:func:`data.field.assessment.assess`): ``top``
    and ``bottom`` (the first and last :data:`OFFICER_ROWS` ranked, each officer once:
    with fewer than twice as many ranked, the bottom holds those after the top), ``counts``
    per standing, ``shares`` (figure, weight, percent of the score) and ``min_days``."""
    frame = assess(conn, None if region is None else region.id, period, as_of, weights)
    ranked = frame[frame["standing"] == "ranked"]
    columns = ["code", "name", "home_region", "rank", "tied", "score",
               "patrol_days", "own_grid_coverage", "cases_found", "on_time_closure_rate"]

    def rows(part: pd.DataFrame) -> list[dict]:
        return [{**row, "rank": int(row["rank"]), "tied": bool(row["tied"])}
                for row in part[columns].to_dict("records")]

    top = ranked.head(OFFICER_ROWS)
    bottom = ranked.iloc[max(len(top), len(ranked) - OFFICER_ROWS):]
    counts = frame["standing"].value_counts()
    return {"top": rows(top), "bottom": rows(bottom),
            "counts": {s: int(counts.get(s, 0)) for s in STANDINGS},
            "shares": score_shares(weights), "min_days": split_weights(weights)[1]}


def _local(moment: datetime, tz) -> str:
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).isoformat(timespec="minutes")


def _days_come(trend: pd.DataFrame, now: datetime, tz) -> pd.DataFrame:
    """The daily trend with the days still to come (after today) as None, not 0: they
    are not drawn."""
    to_come = trend["day"] > local_date(now, tz)
    if not to_come.any():
        return trend
    out = trend.astype({"reported": object, "closed": object})
    out.loc[to_come, ["reported", "closed"]] = None
    return out


def briefing_data(conn: Connection, region_code: str | None, week: IsoWeek | str,
                  now: datetime, *, weights: dict | None = None) -> dict[str, Any]:
    """Everything the briefing shows for ``region_code`` (None: the deployment's single
    top-level region, or the whole deployment when there are several) in ``week``.

    Keys: ``region`` (code/name/level; :func:`data.report.whole_deployment` for the whole
    deployment), ``week``
    (text, from, to, previous and year-earlier weeks' dates, ``future`` (the week starts
    after now), ``partial`` (the week is still running), ``same_span`` (so it is compared
    like with like: the previous and year-earlier weeks are counted only to the same
    elapsed time, their local ends ``previous_until`` and ``year_ago_until``),
    ``complete_week`` (for a running week, the last complete one) or ``running_week`` (for
    the last complete week, the running one), ``as_of``),
    ``centre``,
    ``metrics``/``previous``/``year_ago`` (the registry's metrics; the comparisons are
    None without comparable data), ``children`` (per child region: code, name and its
    metrics, ranked by on-time closure rate), ``departments``
    (:func:`department_metrics`), ``trend`` (day/reported/closed; None on days still to
    come), ``subcategories``
    (key/n), ``sources`` (key/n), ``grids`` (:func:`grid_counts`), ``shapes`` (the map's
    geometry, :func:`data.panels.grid_shapes`), ``cases`` (:func:`attention_cases`) with
    ``cases_overdue``/``cases_total``, ``disputes`` (:func:`disputes`), ``officers``
    (:func:`officers`, scored with ``weights``: :func:`data.field.assessment.load_weights`'
    dict, None for the defaults) and ``alerts`` (the week's alerts and what became of them:
    :func:`data.alerts.weekly.week_alerts`). The week in sentences is
    :func:`layouts.briefing.week_sentences` of this.

    Raises :class:`BriefingError` for a malformed week and :class:`UnknownRegion` for a
    code no region has.
    """
    week = parse_week(week) if isinstance(week, str) else week
    tz = deployment_timezone(conn)
    region = root_region(conn, region_code)
    period = week.period(tz)
    ago_week = year_earlier(week)
    ago = ago_week.period(tz)
    future = now < period.start
    report = region_report(conn, region, period, now, year_before=ago, recorded_only=True)
    previous, as_of = report.previous_period, report.as_of
    this, before, year_ago = report.metrics, report.previous, report.year_before
    per_child = report.children_metrics
    children = ranking(conn, region, now, values=per_child)
    child_rows = []
    by_code = {k.code: k for k in report.children}
    for row in children.itertuples(index=False):
        kid = by_code[row.code]
        child_rows.append({"code": kid.code, "name": kid.name, **per_child.get(kid.id, {})})
    trend = _days_come(daily_trend(conn, region, now, period=period), now, tz)
    cases, n_overdue, n_listed = attention_cases(conn, region, as_of)
    same_span = {} if not report.same_span else {
        "previous_until": _local(previous.end, tz),
        "year_ago_until": _local(report.year_before_period.end, tz)}
    # the other week a reader may want: the running one beside the last complete one
    running = week_of(local_date(now, tz))
    if period.start <= now < period.end:
        same_span["complete_week"] = str(week_of(period.first - timedelta(days=7)))
    elif week_of(period.last + timedelta(days=7)) == running:
        same_span["running_week"] = str(running)
    return {
        "region": report.region_dict(),
        "centre": get_meta(conn, "centre_name", "") or "",
        "week": {"text": str(week), "year": week.year, "number": week.week,
                 "from": period.first.isoformat(), "to": period.last.isoformat(),
                 "previous_from": previous.first.isoformat(),
                 "previous_to": previous.last.isoformat(),
                 "year_ago": str(ago_week), "year_ago_from": ago.first.isoformat(),
                 "year_ago_to": ago.last.isoformat(),
                 "future": future, "partial": period.start <= now < period.end,
                 "same_span": report.same_span, **same_span,
                 "as_of": _local(as_of, tz), "timezone": tz.key},
        "metrics": this,
        "previous": before,
        "year_ago": year_ago,
        "children": child_rows,
        "departments": department_metrics(conn, region, period, as_of),
        "trend": trend,
        "subcategories": shares(conn, region, now, Case.subcategory, top=TOP_SUBCATEGORIES,
                                period=period),
        "sources": shares(conn, region, now, Case.source, period=period),
        "grids": grid_counts(conn, region, period),
        "shapes": grid_shapes(conn, region),
        "cases": cases,
        "cases_overdue": n_overdue,
        "cases_total": n_listed,
        "disputes": disputes(conn, region, period),
        "officers": officers(conn, region, period, as_of, weights),
        "alerts": week_alerts(conn, region, period, now),
    }
