"""What the wall shows, as plain data: counters, per-grid values, the newest cases, the map.

The counters are the registry's metrics computed by :func:`data.metrics.compute` over the
wall's windows (today, this week, the last 30 days), so the wall and ``dashboard summary``
can never disagree. The map's shapes (:func:`data.panels.grid_shapes`) are made once per
region and sent to the browser once; a refresh only sends :func:`grid_values`.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Connection, DateTime, Integer, bindparam, func, or_, select

from data.field.officer_view import wall_officers
from data.metrics import compute, data_now, local_date, period_for
from data.periods import Period, same_span
from data.metrics import patrol_coverage as metrics_patrol_coverage
from data.models import Case, Officer, Patrol, PatrolPoint, Region
from data.panels import daily_trend, ranked, shares, subtree
from data.ranking import DEFAULT as DEFAULT_RANK, rank
from data.regions import RegionInfo, children_of, root_region
from data.store import data_version, deployment_timezone, get_meta, regions_version
from data.wall_live import (  # noqa: F401 - the wall's live counts, named here as before
    LONG_UNFIXED, Subtree, Windows, held_live, live_counts,
)

#: Map metrics a wall can colour its grids by (``/wall?metric=...``).
MAP_METRICS = ("open", "overdue", "reported_week")
#: Panels a wall can show in place of its top problems (``/wall?panel=...``); any other
#: value is ignored (the default wall).
PANELS = ("officers", "alerts")
TICKER_ROWS = 20
DAY = timedelta(days=1)
log = logging.getLogger(__name__)


def regions_fingerprint(conn: Connection) -> tuple[int, int, int]:
    """Changes whenever regions are written (:func:`data.store.regions_version`), and
    whenever they are added or removed (count and highest id), even by a writer that did
    not say so: a cached :class:`Subtree` or map is stale when this moved."""
    count, highest = conn.execute(_REGIONS_COUNT).one()
    return regions_version(conn), count, highest


_REGIONS_COUNT = select(func.count(), func.max(Region.id))  # made once: a refresh reads it





def live_totals(live: pd.DataFrame) -> dict[str, int | float | None]:
    """The counts of today, this week and now for the whole region, from
    :func:`live_counts`, and the share of the open cases that have a deadline (overdue is
    None when cases are open and none has one)."""
    totals = dict(zip(live.columns, live.to_numpy().sum(axis=0).tolist()))
    out: dict[str, int | float | None] = {key: int(totals[key]) for key in (
        "reported_today", "closed_today", "reported_week", "open", "overdue")}
    # the registry's overdue is unknown while cases are open and none has a deadline
    timed = int(totals["open_with_deadline"])
    if out["open"] and not timed:
        out["overdue"] = None
    clocked = int(totals["open_clocked"])  # dispatched or with a deadline
    out["open_deadline_coverage"] = timed / clocked if clocked else None
    return out


def now_counters(conn: Connection, region: RegionInfo | None, now: datetime,
                 live: pd.DataFrame) -> dict[str, object]:
    """The counters of today, this week and now, from :func:`live_counts`, and today's
    patrol coverage."""
    return {**live_totals(live), "patrol_coverage": patrol_today(conn, region, now)}


def patrol_today(conn: Connection, region: RegionInfo | None, now: datetime) -> float | None:
    """The registry's patrol coverage of today (local day) for ``region``."""
    tz = deployment_timezone(conn)
    w = Windows.at(now, tz)
    coverage = metrics_patrol_coverage(conn, None if region is None else [region.id],
                                       period_for(w.today, w.today, tz))
    return coverage[0 if region is None else region.id]


def month_counters(conn: Connection, region: RegionInfo | None, now: datetime,
                   month: dict | None = None, before: dict | None = None) -> dict[str, object]:
    """The 30-day rates (and the 30 days before, for the change) and disputes mediated.
    ``month``/``before`` are the region's metrics over those periods when the caller has
    them already."""
    tz = deployment_timezone(conn)
    w = Windows.at(now, tz)
    group = None if region is None else [region.id]
    key = 0 if region is None else region.id

    def metrics_for(period: Period) -> dict[str, object]:
        return compute(conn, group, period, min(now, period.end)).get(key, {})

    period = period_for(w.month_start, w.today, tz)
    if month is None:
        month = metrics_for(period)
    # like with like: the 30 days before, up to the same local time as now (today is
    # still running), not all of them (data.periods.same_span)
    span = same_span(period.previous(tz), period, min(now, period.end), tz)
    if before is None:
        before = metrics_for(span)
    out: dict[str, object] = {"disputes_mediated": month["disputes_mediated"],
                              "deadline_coverage": month["deadline_coverage"],
                              "same_span": not span.whole}
    for rate in RATES:
        out[rate] = month[rate]
        out[f"{rate}_previous"] = before[rate]
    return out


def counters(conn: Connection, region: RegionInfo | None, now: datetime
             ) -> dict[str, object]:
    """Every counter of the wall, each a registry metric over the window it names:
    today, this week, now, and the last 30 days (with the 30 before)."""
    live = live_counts(conn, region, now)
    return {**now_counters(conn, region, now, live), **month_counters(conn, region, now)}


def grid_values(conn: Connection, region: RegionInfo | None, now: datetime,
                live: pd.DataFrame | None = None, tree: Subtree | None = None
                ) -> pd.DataFrame:
    """Per leaf region under ``region``: open and overdue now, reported this week, and
    open cases more than :data:`LONG_UNFIXED` past their deadline. Indexed by region id."""
    tree = Subtree.of(conn, region) if tree is None else tree
    live = live_counts(conn, region, now, tree) if live is None else live
    columns = ["open", "overdue", "reported_week", "long_unfixed"]
    if live.index is tree.index:  # counted on this tree: its rows are known
        at = [live.columns.get_loc(c) for c in columns]
        values = live.to_numpy()[np.ix_(tree.leaf_rows, at)]
        return pd.DataFrame(values, index=tree.leaf_index, columns=_GRID_COLUMNS, copy=False)
    return live.reindex(list(tree.leaves), fill_value=0)[columns]


_GRID_COLUMNS = pd.Index(["open", "overdue", "reported_week", "long_unfixed"])


def held_region(conn: Connection, region_code: str | None, cache: dict,
                regions: tuple) -> RegionInfo | None:
    """:func:`data.regions.root_region` of ``region_code``, kept in ``cache`` while the
    regions stay the same (``regions``: :func:`regions_fingerprint`); an unknown code
    raises as there, every time."""
    key = ("region", region_code)
    held = cache.get(key)
    if held is None or held[0] != regions:
        held = (regions, root_region(conn, region_code))
        cache[key] = held
    return held[1]


def newest_cases(conn: Connection, region: RegionInfo | None, limit: int = TICKER_ROWS,
                 tree: Subtree | None = None) -> pd.DataFrame:
    """The newest cases under ``region``: id, code, reported_at (UTC), place, category,
    status. Looks at the last few days first (an index range), the whole store only if
    those hold too few."""
    c = Case
    columns = list(_NEWEST.selected_columns.keys())
    query = _NEWEST
    tree = Subtree.of(conn, region) if tree is None else tree
    # the whole deployment (or its one top-level region): simply the newest cases
    leaves = None if tree.whole else set(tree.leaves)

    def under(frame: pd.DataFrame) -> pd.DataFrame:
        return frame if leaves is None else frame[frame["region_id"].isin(leaves)]

    if leaves is None:  # the whole deployment: simply the newest (no frame work: a refresh)
        rows = [row[:-1] for row in conn.execute(_NEWEST_FEW, {"few": limit})]
        return pd.DataFrame(rows if rows else None, columns=columns[:-1])
    latest = conn.scalar(select(func.max(c.reported_at)))
    if latest is None:
        return pd.DataFrame(columns=columns[:-1])
    # a part of it: the newest day's, narrowed
    window = query.where(c.reported_at >= latest - timedelta(days=1)).limit(3000)
    # plain tuples: a frame made from result rows asks each row for attributes it lacks
    recent = pd.DataFrame([tuple(row) for row in conn.execute(window)], columns=columns)
    found = under(recent)
    if len(found) < limit and leaves is not None:
        found = pd.DataFrame(conn.execute(
            query.where(c.region_id.in_(sorted(leaves))).limit(limit)).all(), columns=columns)
    return found.head(limit).drop(columns=["region_id"]).reset_index(drop=True)


# the newest cases' statement, made once (building it cost a refresh more than reading it)
_NEWEST = (select(Case.id, Case.code, Case.reported_at, Region.name.label("place"),
                  func.coalesce(Case.subcategory, Case.category).label("category"),
                  Case.status, Case.region_id)
           .join(Region, Region.id == Case.region_id, isouter=True)
           .order_by(Case.reported_at.desc(), Case.id.desc()))
_NEWEST_FEW = _NEWEST.limit(bindparam("few", type_=Integer))


def officers_on_patrol(conn: Connection, region: RegionInfo | None, now: datetime,
                       tree: Subtree | None = None) -> pd.DataFrame:
    """Officers on patrol now (a patrol started in the last 12 hours and not ended by now:
    an imported patrol ends at its last fix, which may lie after ``now``) and their last GPS
    fix by now: columns name, lon, lat, at. Given the region's ``tree``, the patrols of
    the whole deployment are read (``ix_patrols_started_ended`` alone) and those outside
    it dropped here, without a join to the regions' ancestry."""
    recent = (select(Patrol.id, Officer.name, Patrol.region_id)
              .join(Officer, Officer.id == Patrol.officer_id)
              .where(or_(Patrol.ended_at.is_(None), Patrol.ended_at > now),
                     Patrol.started_at <= now,
                     Patrol.started_at >= now - timedelta(hours=12)))
    if tree is None:
        recent = subtree(recent, Patrol.region_id, region, conn)
    recent = recent.subquery()
    last_fix = (select(PatrolPoint.patrol_id, func.max(PatrolPoint.at).label("at"))
                .where(PatrolPoint.patrol_id.in_(select(recent.c.id)), PatrolPoint.at <= now)
                .group_by(PatrolPoint.patrol_id).subquery())
    query = (select(recent.c.name, PatrolPoint.lon, PatrolPoint.lat, PatrolPoint.at,
                    recent.c.region_id)
             .join(last_fix, last_fix.c.patrol_id == recent.c.id)
             .join(PatrolPoint, (PatrolPoint.patrol_id == last_fix.c.patrol_id)
                   & (PatrolPoint.at == last_fix.c.at)))
    found = pd.DataFrame(conn.execute(query).all(),
                         columns=["name", "lon", "lat", "at", "region_id"])
    if tree is not None and not tree.whole:
        found = found[found["region_id"].isin(set(tree.ids))]
    return found.drop(columns=["region_id"]).reset_index(drop=True)


#: Officers on patrol are looked up again when patrols or fixes were written, and at
#: least this often as time passes (a patrol more than 12 hours old, or one whose
#: imported end is reached, leaves the map).
OFFICERS_SECONDS = 10


def held_officers(conn: Connection, region: RegionInfo | None, now: datetime,
                  tree: Subtree, cache: dict) -> pd.DataFrame:
    """:func:`officers_on_patrol`, kept in ``cache`` while no patrol or fix was written
    (the highest patrol and fix ids, and how many of the last 12 hours' patrols have not
    ended: index look-ups) and for at most :data:`OFFICERS_SECONDS`: a refresh after a
    new case does not read every patrol's last fix again."""
    mark = conn.execute(_PATROLS_MARK, {"since": now - timedelta(hours=12),
                                        "now": now}).one()
    key = ("officers_on_patrol", None if region is None else region.id)
    stamp = (tuple(mark), int(now.timestamp() // OFFICERS_SECONDS))
    held = cache.get(key)
    if held is not None and held[0] == stamp and held[1] is tree:
        return held[2]
    found = officers_on_patrol(conn, region, now, tree)
    cache[key] = (stamp, tree, found)
    return found


_PATROLS_MARK = select(
    select(func.max(Patrol.id)).scalar_subquery(),
    select(func.max(PatrolPoint.id)).scalar_subquery(),
    select(func.count()).where(Patrol.started_at >= bindparam("since", type_=DateTime),
                               Patrol.started_at <= bindparam("now", type_=DateTime),
                               Patrol.ended_at.is_(None)).scalar_subquery())


#: The 30-day panels (rates, ranking, sources, top problems, the trend's earlier days) are
#: recounted at most this often; the counts of today and now on every change.
SLOW_SECONDS = 60


def slow_panels(conn: Connection, region: RegionInfo | None, now: datetime
                ) -> dict[str, object]:
    """The wall's 30-day panels: they move slowly, so a wall recounts them at most every
    :data:`SLOW_SECONDS`."""
    tz = deployment_timezone(conn)
    w = Windows.at(now, tz)
    period = period_for(w.month_start, w.today, tz)
    as_of = min(now, period.end)
    kids = [k.id for k in children_of(conn, region)]
    # the region and its children over the 30 days in one pass
    if region is None:
        month = compute(conn, None, period, as_of)[0]
        per_child = compute(conn, kids, period, as_of)
    else:
        per_child = compute(conn, [region.id, *kids], period, as_of)
        month = per_child[region.id]
    return {
        "month": month_counters(conn, region, now, month=month),
        "trend": daily_trend(conn, region, now),
        "sources": shares(conn, region, now, Case.source),
        "subcategories": shares(conn, region, now, Case.subcategory, top=8),
        # by the default metric, with every child's rankable figures: a wall that asks for
        # another (/wall?rank=) re-ranks them (Ranking.by), nothing counted again
        "ranking": ranked(conn, region, now, values=per_child),
    }


def officers_panel(conn: Connection, region_code: str | None, now: datetime,
                   cache: dict | None = None, weights: dict | None = None
                   ) -> dict[str, object]:
    """The wall's officers panel (``panel=officers``): the top and bottom five officers of
    the last 7 days up to the wall's data moment (:func:`data_now`), as
    :func:`data.field.officer_view.wall_officers` gives them. Counted only for a wall that
    shows the panel, and like the slow panels at most every :data:`SLOW_SECONDS` per
    region and local day (kept in ``cache``); ``weights`` as for
    :func:`data.field.assessment.assess`."""
    cache = {} if cache is None else cache
    region = root_region(conn, region_code)
    moment, _ = data_now(conn, now)
    day = local_date(moment, deployment_timezone(conn))
    key = ("officers", None if region is None else region.id)
    held = cache.get(key)
    if held is None or held["day"] != day or (now - held["at"]).total_seconds() > SLOW_SECONDS:
        held = {"day": day, "at": now, "ends": wall_officers(conn, region, moment, weights)}
        cache[key] = held
    return held["ends"]


#: Rates of the wall's tiles, each with its value over the previous 30 days.
RATES = ("closure_rate", "on_time_closure_rate", "in_grid_resolution_rate",
         "mediation_success_rate", "satisfaction_rate")
_COUNTING = threading.Lock()


def pending_panels(now: datetime, tz: ZoneInfo) -> dict[str, object]:
    """What a wall shows of its 30-day panels while they are being counted for the first
    time today: no values (``—`` on the tiles, empty charts and ranking), never numbers
    that are not the registry's. The next refresh brings the counted ones."""
    w = Windows.at(now, tz)
    days = pd.date_range(w.month_start, w.today, freq="D").date
    return {
        "month": {"disputes_mediated": None, "deadline_coverage": None,
                  **{key: None for rate in RATES for key in (rate, f"{rate}_previous")}},
        "trend": pd.DataFrame({"day": days, "reported": [None] * len(days),
                               "closed": [None] * len(days)}, dtype=object),
        "sources": pd.DataFrame(columns=["key", "n"]),
        "subcategories": pd.DataFrame(columns=["key", "n"]),
        "ranking": rank((), DEFAULT_RANK),
    }


def held_panels(conn: Connection, region: RegionInfo | None, now: datetime, cache: dict,
                engine=None, wait: float | None = None,
                regions: tuple[int, int, int] | None = None, tz: ZoneInfo | None = None
                ) -> dict | None:
    """The region's 30-day panels and today's patrol coverage, kept in ``cache`` and
    counted at most every :data:`SLOW_SECONDS` per region and local day, on the same
    regions (:func:`regions_fingerprint`: after an import of regions, never the names
    and ranking of the boundaries before).

    Without ``engine`` they are counted here when missing or stale. With it (a running
    app) a count runs in the background, one per region at a time, and is waited for up
    to ``wait`` seconds (None: as long as the count takes; 0: not at all): stale ones of
    the same day are returned when it is not done by then, and None when there are none
    (:func:`pending_panels` stand in for them). ``regions``: the
    :func:`regions_fingerprint` when the caller read it already, and ``tz`` the
    deployment's time zone."""
    tz = deployment_timezone(conn) if tz is None else tz
    rid = None if region is None else region.id
    key, today = ("slow", rid), local_date(now, tz)
    regions = regions_fingerprint(conn) if regions is None else regions

    def usable(held: dict | None) -> bool:
        return held is not None and held["day"] == today and held["regions"] == regions

    held = cache.get(key)
    # fresh by the moment shown and by the clock (wall time: workers share the panels): an
    # old export's wall shows one moment for ever (data_now), and must still count again
    # after its data change (an import)
    if usable(held) and (now - held["at"]).total_seconds() <= SLOW_SECONDS \
            and time.time() - held.get("counted", 0) <= SLOW_SECONDS:
        return held
    if engine is None:
        held = {"day": today, "at": now, "counted": time.time(), "regions": regions,
                "panels": slow_panels(conn, region, now),
                "patrol_coverage": patrol_today(conn, region, now)}
        cache[key] = held
        return held
    with _COUNTING:
        job = cache.get(("counting", rid))
        if job is None:
            job = cache[("counting", rid)] = threading.Event()
            threading.Thread(target=_count_panels,
                             args=(engine, cache, region, now, (today, regions), job),
                             name="wall-panels", daemon=True).start()
    if usable(held) and not wait:
        return held
    job.wait(wait)  # a quick recount shows at once; a slow one with a later refresh
    fresh = cache.get(key)
    if usable(fresh):
        return fresh
    return held if usable(held) else None


def _count_panels(engine, cache: dict, region: RegionInfo | None, now: datetime,
                  kept: tuple, done: threading.Event) -> None:
    """Count a region's 30-day panels into ``cache`` (:func:`held_panels`; ``kept``: the
    local day and regions they are of), on a connection of its own; a failure is logged
    and the next refresh tries again."""
    rid = None if region is None else region.id
    try:
        with engine.connect() as conn:
            cache[("slow", rid)] = {"day": kept[0], "regions": kept[1], "at": now,
                                    "counted": time.time(),
                                    "panels": slow_panels(conn, region, now),
                                    "patrol_coverage": patrol_today(conn, region, now)}
    except Exception:  # noqa: BLE001 - a thread's failure has nobody else to tell
        log.exception("the wall's 30-day panels of region %s could not be counted", rid)
    finally:
        with _COUNTING:
            cache.pop(("counting", rid), None)
        done.set()


def snapshot(conn: Connection, region_code: str | None, now: datetime,
             cache: dict | None = None, engine=None, wait: float | None = None,
             version: int | None = None) -> dict[str, object]:
    """Everything a wall refresh needs. The counts of today and now are fresh; the
    30-day panels and today's patrol coverage come from ``cache`` (a dict the caller
    keeps) when they were counted less than :data:`SLOW_SECONDS` ago on the same local
    day, on the same regions (:func:`held_panels`, which ``engine`` and ``wait`` go to:
    ``pending`` is True when they are still being counted). The region's subtree is kept there too, until
    regions are written again. ``version``: the data version the caller read before
    calling (read here first otherwise): a change after it is seen by the next refresh."""
    cache = {} if cache is None else cache
    version = data_version(conn) if version is None else version
    fingerprint = regions_fingerprint(conn)
    region = held_region(conn, region_code, cache, fingerprint)
    tz = deployment_timezone(conn)
    rid = None if region is None else region.id
    held_tree = cache.get(("tree", rid))
    if held_tree is None or held_tree[0] != fingerprint:
        held_tree = (fingerprint, Subtree.of(conn, region))
        cache[("tree", rid)] = held_tree
    tree = held_tree[1]
    held = held_panels(conn, region, now, cache, engine, wait, regions=fingerprint, tz=tz)
    live, _ = held_live(conn, region, now, tree, tz, cache, fingerprint)
    today = local_date(now, tz)
    slow = pending_panels(now, tz) if held is None else held["panels"]
    counters_now = {**live_totals(live),
                    "patrol_coverage": None if held is None else held["patrol_coverage"]}
    trend = slow["trend"].copy()
    for row in np.flatnonzero(trend["day"].to_numpy() == today).tolist():  # today's row
        trend.iat[row, trend.columns.get_loc("reported")] = counters_now["reported_today"]
        trend.iat[row, trend.columns.get_loc("closed")] = counters_now["closed_today"]
    return {
        "version": version,
        # still being counted: none yet (the tiles say —), or stale ones shown while a
        # recount runs; either way the page's next refresh asks again, changed data or not
        "pending": held is None or ("counting", rid) in cache,
        "region": None if region is None else region.as_dict(),
        "centre": get_meta(conn, "centre_name", "") or "",
        "counters": {**counters_now, **slow["month"]},
        "grids": grid_values(conn, region, now, live, tree),
        "newest": newest_cases(conn, region, tree=tree),
        "trend": trend,
        "sources": slow["sources"],
        "subcategories": slow["subcategories"],
        "ranking": slow["ranking"],
        "patrolling": held_officers(conn, region, now, tree, cache),
        "now": now,
        "timezone": tz.key,
        "regions_version": fingerprint[0],
        "regions_fingerprint": fingerprint,
    }
