"""The console's view of one region, as plain data: its panels and its map's shapes.

Every figure is the registry's (:func:`data.report.region_report`: the region, its children
and the period before), narrowed by the filter's categories and sources; the panels
(trend, top subcategories, ranking) are :mod:`data.panels`'. With a server's
:class:`data.metrics.ResultCache` every region's counts are counted once per period and
scope, and :func:`prewarm` counts them ahead of the first click.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import shapely
from sqlalchemy import Connection, func, select

from data import maps, metrics
from data.cases.filter import CaseFilter, period_of
from data.metrics import CaseScope, Period
from data.models import Case, Region, RegionAncestor
from data.panels import daily_trend, ranked, shares
from data.regions import RegionInfo, ancestors_of, children_of, get_region
from data.report import region_report
from data.sql import utc_hour
from data.store import deployment_timezone, read_beside

CHILD_METRICS = ("reported", "closure_rate", "on_time_closure_rate", "overdue",
                 "median_hours_to_close", "open")


def region_view(conn: Connection, region_code: str | None, flt: CaseFilter, now: datetime,
                top: int = 10, *,
                cache: metrics.ResultCache | None = None) -> dict[str, object]:
    """Everything the console's panels show for one region (``region_code``; ``None``:
    the whole deployment; ``flt.region_code`` is not read) over the filter's period, with
    its categories and sources applied to every figure (statuses and text are the
    list's, not the metrics'):

    ``region`` (code/name/level/depth/is_leaf; :func:`data.report.whole_deployment` for
    the whole deployment), ``breadcrumb`` (ancestors top-down, itself last),
    ``children`` (code/name/level/is_leaf), ``period`` (from/to/as_of as
    text), ``metrics`` and ``previous`` (the registry's metrics of the period and of the
    one of equal length before), ``children_metrics`` (per child: :data:`CHILD_METRICS`),
    ``trend`` (DataFrame day/reported/closed), ``categories`` (DataFrame key/n: the
    ``top`` subcategories) and ``ranking`` (a :class:`data.ranking.Ranking`: children
    by on-time closure rate, best first, no value last, or by the first metric known when
    no child has one).

    With a ``cache`` (one :class:`data.metrics.ResultCache` kept by the server), the
    store counts every region's cases once per data version, period, scope and minute,
    and each later view (a click down or back up) only adds up what is kept; the
    figures are then as of the start of the current minute (``period.as_of`` says so).
    Without one, every call counts the region's own cases afresh, as of ``now``. An
    unfiltered view's trend is read from the per-day rollups (one row per day) and its
    subcategories are the region's own count, kept per region.
    """
    tz = deployment_timezone(conn)
    if cache is not None:
        now = now.replace(second=0, microsecond=0)
    region = None if region_code is None else get_region(conn, region_code)
    period = period_of(conn, flt, now)
    scope = None if flt.scope.is_everything else flt.scope
    # a filtered view of a few regions is counted alone unless the cache holds every
    # region's counts already (an unfiltered one reads the rollups and its own region)
    alone = cache is None or (
        scope is not None and region is not None and metrics.few_regions(conn, [region.id])
        and cache.get(cache.key(conn, "trend", period, scope)) is None)
    # the subcategories are read beside the figures (on PostgreSQL, at once)
    categories = read_beside(conn, lambda c: _categories(c, region, now, period, scope, cache,
                                                          top, alone))
    report = region_report(conn, region, period, now, scope=scope, cache=cache)
    kids = report.children
    kid_ids = [k.id for k in kids]
    with_children = {pid for (pid,) in conn.execute(
        select(Region.parent_id).where(Region.parent_id.in_(
            kid_ids + ([] if region is None else [region.id]))).distinct())}
    per_child = report.children_metrics
    kid_dicts = [{**k.as_dict(), "is_leaf": k.id not in with_children} for k in kids]
    return {
        "region": {**report.region_dict(),
                   "is_leaf": region is not None and region.id not in with_children},
        "breadcrumb": [] if region is None else [a.as_dict() for a in ancestors_of(conn, region)],
        "children": kid_dicts,
        "period": report.period_dict(tz),
        "metrics": report.metrics,
        "previous": report.previous,
        "children_metrics": [
            {**kd, **{m: per_child[k.id][m] for m in CHILD_METRICS}}
            for k, kd in zip(kids, kid_dicts)],
        "trend": _trend(conn, region, now, period, scope, cache, alone),
        "categories": categories(),
        "ranking": ranked(conn, region, now, values=per_child),
    }


def _trend(conn: Connection, region: RegionInfo | None, now: datetime, period: Period,
           scope: CaseScope | None, cache: metrics.ResultCache | None,
           alone: bool) -> pd.DataFrame:
    """The daily trend: without a scope, the region's from the per-day rollups (kept in
    ``cache`` for this region); a scoped view with a ``cache`` counts every region's once
    (:func:`_cached_trend`)."""
    if alone:  # (always so without a cache)
        return daily_trend(conn, region, now, period=period, scope=scope, source="auto")
    if scope is not None:
        return _cached_trend(conn, region, period, scope, cache)
    key = cache.key(conn, "trend_of", None if region is None else region.id, period)
    return cache.get_or_compute(key, lambda: daily_trend(conn, region, now, period=period,
                                                         source="auto"))


def _categories(conn: Connection, region: RegionInfo | None, now: datetime, period: Period,
                scope: CaseScope | None, cache: metrics.ResultCache | None, top: int,
                alone: bool) -> pd.DataFrame:
    """The ``top`` subcategories of the region's cases reported in ``period``: without a
    scope, the region's own grouped count (its cases of the period through the time and
    region indexes, kept in ``cache`` for this region); a scoped view with a ``cache``
    counts every region's once (:func:`_cached_categories`), so a filter's drill-down
    only adds up."""
    if alone:  # (always so without a cache)
        return shares(conn, region, now, Case.subcategory, top=top, period=period, scope=scope)
    if scope is not None:
        return _cached_categories(conn, region, period, scope, cache, top)
    key = cache.key(conn, "subcategories_of", None if region is None else region.id,
                    period, top)
    return cache.get_or_compute(key, lambda: shares(conn, region, now, Case.subcategory,
                                                    top=top, period=period))


def _region_rows(conn: Connection, region: RegionInfo | None, frame: pd.DataFrame
                 ) -> pd.DataFrame:
    """The rows of a per-region frame that lie under ``region`` (all for None)."""
    if region is None:
        return frame
    ids = {rid for (rid,) in conn.execute(select(RegionAncestor.descendant_id)
                                          .where(RegionAncestor.ancestor_id == region.id))}
    return frame[frame["region"].isin(ids)]


def _cached_trend(conn: Connection, region: RegionInfo | None, period: Period,
                  scope: CaseScope | None, cache: metrics.ResultCache) -> pd.DataFrame:
    """:func:`data.panels.daily_trend` over ``period`` from every region's daily counts,
    counted once and kept in ``cache`` (a filtered view: the rollups hold no scope)."""
    def every_region() -> pd.DataFrame:
        tz = deployment_timezone(conn)
        parts = []
        for name, column in (("reported", Case.reported_at), ("closed", Case.closed_at)):
            hour = utc_hour(column).label("hour")
            place = func.coalesce(Case.region_id, -1).label("region")
            query = metrics.scoped(select(place, hour, func.count())
                                   .where(column >= period.start, column < period.end)
                                   .group_by(place, hour), scope)
            rows = pd.DataFrame(metrics.plain_rows(conn.execute(query)),
                                columns=["region", "hour", "n"])
            hours = pd.Series(rows["hour"].unique())
            day_of = dict(zip(hours, pd.to_datetime(hours, format="%Y-%m-%d %H")
                              .dt.tz_localize("UTC").dt.tz_convert(tz).dt.date))
            rows["day"] = rows["hour"].map(day_of)
            parts.append(rows.groupby(["region", "day"])["n"].sum().rename(name))
        return pd.concat(parts, axis=1).fillna(0).astype(int).reset_index()

    kept = cache.get_or_compute(cache.key(conn, "trend", period, scope), every_region)
    per_day = _region_rows(conn, region, kept).groupby("day")[["reported", "closed"]].sum()
    out = pd.DataFrame({"day": pd.date_range(period.first, period.last, freq="D").date})
    for name in ("reported", "closed"):
        out[name] = out["day"].map(per_day[name]).fillna(0).astype(int) \
            if not per_day.empty else 0
    return out


def _cached_categories(conn: Connection, region: RegionInfo | None, period: Period,
                       scope: CaseScope | None, cache: metrics.ResultCache,
                       top: int) -> pd.DataFrame:
    """:func:`data.panels.shares` of subcategories over ``period`` from every region's
    counts, counted once and kept in ``cache``."""
    def every_region() -> pd.DataFrame:
        place = func.coalesce(Case.region_id, -1).label("region")
        key = func.coalesce(Case.subcategory, "").label("key")
        query = metrics.scoped(select(place, key, func.count())
                               .where(Case.reported_at >= period.start,
                                      Case.reported_at < period.end)
                               .group_by(place, key), scope)
        return pd.DataFrame(metrics.plain_rows(conn.execute(query)),
                            columns=["region", "key", "n"])

    kept = cache.get_or_compute(cache.key(conn, "subcategories", period, scope), every_region)
    sums = _region_rows(conn, region, kept).groupby("key", as_index=False)["n"].sum()
    sums = sums.sort_values(["n", "key"], ascending=[False, True], kind="stable")
    return sums.head(top).reset_index(drop=True)[["key", "n"]]


def prewarm(conn: Connection, cache: metrics.ResultCache, now: datetime,
            flt: CaseFilter | None = None) -> None:
    """Count every region's figures for ``flt``'s period (default: the default period)
    into ``cache`` ahead of any click, so the next :func:`region_view` of any region
    with that period and scope only adds up. A server may call it from a background
    thread every minute, or after the data changed."""
    tops = children_of(conn, None)
    code = tops[0].code if len(tops) == 1 else None
    base = flt or CaseFilter()
    region_view(conn, code, CaseFilter(region_code=code, first=base.first, last=base.last,
                                       categories=base.categories, sources=base.sources,
                                       days=base.days), now, cache=cache)


# --- the map ------------------------------------------------------------------------------

def region_shapes(conn: Connection, region_code: str | None,
                  tolerance: float = maps.DEFAULT_TOLERANCE) -> dict[str, object]:
    """The console map's geometry for a region: its children's polygons (a GeoJSON
    FeatureCollection, feature id = child code, properties code/name/level/is_leaf and a
    label point ``label: [lon, lat]``), the region's own outline (rings of
    ``[lon, lat]``), and ``bounds`` [west, south, east, north]. A leaf region (a grid)
    has no children: its features hold the grid itself (``is_leaf`` True), so the map
    still draws it. ``region_code=None`` gives the top-level regions."""
    region = None if region_code is None else get_region(conn, region_code)
    kids = children_of(conn, region)
    shown = kids if kids or region is None else [region]
    ids = [k.id for k in shown]
    parents = {pid for (pid,) in conn.execute(
        select(Region.parent_id).where(Region.parent_id.in_(ids)).distinct())} if ids else set()
    rows = {rid: wkb for rid, wkb in conn.execute(
        select(Region.id, Region.geometry).where(Region.id.in_(ids)))} if ids else {}
    features, geoms = [], []
    for kid in shown:
        wkb = rows.get(kid.id)
        if wkb is None:
            continue
        geoms.append(shapely.from_wkb(wkb))
        geom = maps.simplified(wkb, tolerance)
        features.append(maps.feature(kid.code, geom, {
            "code": kid.code, "name": kid.name, "level": kid.level,
            "is_leaf": kid.id not in parents, "label": maps.label_point(geom),
            "spots": maps.label_spots(geom), "area": geom.area}))
    outline: list = []
    if region is not None:
        wkb = conn.scalar(select(Region.geometry).where(Region.id == region.id))
        if wkb is not None:
            outline = maps.outline(maps.simplified(wkb, tolerance))
            geoms = [shapely.from_wkb(wkb)]  # the view is the region's own shape
        box = conn.execute(select(Region.min_lon, Region.min_lat, Region.max_lon,
                                  Region.max_lat).where(Region.id == region.id)).one()
    else:
        box = conn.execute(select(func.min(Region.min_lon), func.min(Region.min_lat),
                                  func.max(Region.max_lon), func.max(Region.max_lat))
                           .where(Region.parent_id.is_(None))).one()
    # the box of the shapes without far-flung specks (a real boundary's strays)
    view = maps.view_bounds(geoms)
    bounds = list(view) if view is not None else (
        None if any(v is None for v in box) else [float(v) for v in box])
    return {"type": "FeatureCollection", "features": features, "outline": outline,
            "bounds": bounds}
