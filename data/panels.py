"""The panels several screens share, as plain data: the daily trend, shares by a column,
the children's ranking, and the map's geometry of a region.

The wall draws them for its last 30 days, the console for its filter's period (narrowed
by its categories and sources), the briefing for one week; the queries are the same, so
the screens agree. Every rate is the registry's (:func:`data.metrics.compute`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import shapely
from sqlalchemy import Connection, func, select

from data import maps, rollup_read
from data.metrics import CaseScope, Period, compute, local_date, period_for, scoped
from data.models import Case, Region, RegionAncestor
from data.ranking import DEFAULT, Ranking, child_values, rank
from data.regions import RegionInfo, children_of
from data.sql import utc_hour
from data.store import deployment_timezone

def subtree(query, column, region: RegionInfo | None, conn: Connection | None = None):
    """``query`` narrowed to rows whose region (``column``) lies under ``region``. Given
    ``conn``, the deployment's one top-level region is "any region" (no join at all)."""
    if region is None:
        return query
    if conn is not None and region.parent_id is None and len(children_of(conn, None)) == 1:
        return query.where(column.is_not(None))
    return query.join(RegionAncestor, RegionAncestor.descendant_id == column).where(
        RegionAncestor.ancestor_id == region.id)


def leaves_under(region: RegionInfo | None):
    """Ids of the leaf regions under ``region`` (all leaves for None), as a subquery."""
    child = Region.__table__.alias("child")
    leaf = ~select(child.c.id).where(child.c.parent_id == Region.id).exists()
    query = select(Region.id).where(leaf)
    if region is not None:
        query = query.join(RegionAncestor, RegionAncestor.descendant_id == Region.id).where(
            RegionAncestor.ancestor_id == region.id)
    return query


def daily_trend(conn: Connection, region: RegionInfo | None, now: datetime,
                days: int = 30, *, period: Period | None = None,
                scope: CaseScope | None = None, source: str = "direct") -> pd.DataFrame:
    """Cases reported and closed per local day over the last ``days`` days (today
    included), or over ``period`` when given: columns day, reported, closed. The store
    counts per UTC hour; the hours are then put on their local day here, which is right
    in every time zone. ``scope`` keeps to some categories and sources (the console).

    ``source="auto"`` reads an unscoped trend from the per-day rollups (one row per day:
    their "reported" and "closed" are these counts, per local day of the region's subtree,
    region 0 the whole deployment), counting directly when the store has none;
    ``"rollups"`` insists on them; ``"direct"`` (the default) counts the cases, the
    definition the rollups must equal (tests/data/test_rollup_panels.py)."""
    if source not in ("auto", "direct", "rollups"):
        raise ValueError(f"source must be auto, direct or rollups, got {source!r}")
    tz = deployment_timezone(conn)
    if period is None:
        last = local_date(now, tz)
        period = period_for(last - timedelta(days=days - 1), last, tz)
    out = pd.DataFrame({"day": pd.date_range(period.first, period.last, freq="D").date})
    if source != "direct" and (scope is None or scope.is_everything):
        per_day = rollup_read.day_counts(conn, None if region is None else region.id,
                                         period.first, period.last, ("reported", "closed"))
        if per_day is None and source == "rollups":
            raise RuntimeError("this store has no usable rollups (python -m dashboard db "
                               "rollups --rebuild)")
        if per_day is not None:
            for name in ("reported", "closed"):
                out[name] = [per_day.get(day, {}).get(name, 0) for day in out["day"]]
            return out
    for name, column in (("reported", Case.reported_at), ("closed", Case.closed_at)):
        hour = utc_hour(column).label("hour")
        query = subtree(select(hour, func.count()).where(column >= period.start,
                                                         column < period.end),
                        Case.region_id, region, conn).group_by(hour)
        query = scoped(query, scope)
        rows = pd.DataFrame(conn.execute(query).all(), columns=["hour", "n"])
        if rows.empty:
            out[name] = 0
            continue
        local = (pd.to_datetime(rows["hour"], format="%Y-%m-%d %H").dt.tz_localize("UTC")
                 .dt.tz_convert(tz).dt.date)
        per_day = rows.groupby(local)["n"].sum()
        out[name] = out["day"].map(per_day).fillna(0).astype(int)
    return out


def shares(conn: Connection, region: RegionInfo | None, now: datetime, column,
           days: int = 30, top: int | None = None, *, period: Period | None = None,
           scope: CaseScope | None = None) -> pd.DataFrame:
    """Cases reported in the last ``days`` days (or in ``period``) counted by ``column``
    (source, subcategory, ...), largest first: columns key, n. ``scope`` keeps to some
    categories and sources (the console)."""
    tz = deployment_timezone(conn)
    if period is None:
        last = local_date(now, tz)
        period = period_for(last - timedelta(days=days - 1), last, tz)
    key = func.coalesce(column, "").label("key")
    query = subtree(select(key, func.count().label("n"))
                    .where(Case.reported_at >= period.start, Case.reported_at < period.end),
                    Case.region_id, region, conn).group_by(key).order_by(func.count().desc(), key)
    query = scoped(query, scope)
    if top:
        query = query.limit(top)
    return pd.DataFrame(conn.execute(query).all(), columns=["key", "n"])


def ranking(conn: Connection, region: RegionInfo | None, now: datetime,
            metric: str = DEFAULT, values: dict | None = None) -> pd.DataFrame:
    """The region's children ranked by a metric of :data:`data.ranking.RANKABLE` over the
    last 30 days, best first (no value last; :mod:`data.ranking`'s order), never falling
    back to another: columns code, name, value, closed. ``values`` are the children's
    metrics by id when the caller has them already (of its own period)."""
    return ranked(conn, region, now, metric, values, fall_back=False).rows


def ranked(conn: Connection, region: RegionInfo | None, now: datetime,
           wanted: str = DEFAULT, values: dict | None = None, *,
           fall_back: bool = True) -> Ranking:
    """The ranking board of the region's children (:class:`data.ranking.Ranking`) by
    ``wanted`` over the last 30 days, or by the first known metric when ``wanted`` is
    unknown for every child (:func:`data.ranking.rank`); ``values`` as for
    :func:`ranking`."""
    kids = children_of(conn, region)
    if kids and values is None:
        tz = deployment_timezone(conn)
        today = local_date(now, tz)  # the last 30 days, as the wall's windows
        period = period_for(today - timedelta(days=29), today, tz)
        values = compute(conn, [k.id for k in kids], period, min(now, period.end))
    return rank(child_values(kids, values or {}), wanted, fall_back=fall_back)


def grid_shapes(conn: Connection, region: RegionInfo | None, tolerance: float = 0.0001,
                ) -> dict[str, object]:
    """The map's geometry, simplified (``tolerance`` in degrees, ~10 m) and rounded to
    5 decimals: the leaf regions as a GeoJSON FeatureCollection (feature id = region id;
    ``ids``: those ids in the features' order; each one's ``within``: the name of the
    child it lies in, None when it is a child itself), the outlines of ``region``'s
    children, and a label point for each child (``spots``: the places its name may go,
    best first, :func:`data.maps.label_spots`; ``weight``: its area, so the larger
    region's name wins where names collide)."""
    leaf_rows = conn.execute(
        select(Region.id, Region.code, Region.name, Region.geometry)
        .where(Region.id.in_(leaves_under(region)), Region.geometry.is_not(None))).all()
    kids = children_of(conn, region)
    kid_rows = conn.execute(select(Region.id, Region.code, Region.name, Region.geometry)
                            .where(Region.id.in_([k.id for k in kids]))).all()

    # every grid at once (GEOS over arrays): a city's 10,000 grids in a fraction of a
    # second, where one shapely call per grid took seconds
    leaf_geoms = shapely.from_wkb([row[3] for row in leaf_rows])
    simple = maps.simplified_many(leaf_geoms, tolerance)
    leaf_ids = [int(row[0]) for row in leaf_rows]
    kid_names = {int(rid): name for rid, _, name, _ in kid_rows}
    # which child each leaf lies in: the map names the children, and a name that does not
    # fit on it is in its leaves' hover instead
    within = {} if not kid_names else {int(d): kid_names[int(a)] for d, a in conn.execute(
        select(RegionAncestor.descendant_id, RegionAncestor.ancestor_id)
        .where(RegionAncestor.ancestor_id.in_(list(kid_names)),
               RegionAncestor.descendant_id != RegionAncestor.ancestor_id,
               RegionAncestor.descendant_id.in_(leaves_under(region))))}
    features = maps.features(leaf_ids, simple,
                             [{"code": code, "name": name, "within": within.get(int(rid))}
                              for rid, code, name, _ in leaf_rows])
    points = dict(zip(leaf_ids, maps.label_points(simple)))
    outlines, labels = [], []
    for rid, code, name, wkb in kid_rows:
        if wkb is None:
            continue
        geom = maps.simplified(wkb, tolerance)
        outlines.extend(maps.outline(geom))
        spots = maps.label_spots(geom)
        if not spots:
            continue
        labels.append({"code": code, "name": name, "lon": spots[0][0], "lat": spots[0][1],
                       "spots": spots, "weight": geom.area})
    return {"grids": {"type": "FeatureCollection", "features": features},
            "ids": leaf_ids, "outlines": outlines, "labels": labels, "points": points,
            "view": maps.view_bounds(leaf_geoms)}


def region_bounds(conn: Connection, region: RegionInfo) -> tuple[float, float, float, float]:
    """The box a map shows for the region: west, south, east, north (degrees), without
    far-flung specks (:func:`data.maps.view_bounds`)."""
    wkb = conn.scalar(select(Region.geometry).where(Region.id == region.id))
    bounds = None if wkb is None else maps.view_bounds([shapely.from_wkb(wkb)])
    if bounds is None:
        return tuple(conn.execute(select(Region.min_lon, Region.min_lat, Region.max_lon,
                                         Region.max_lat).where(Region.id == region.id)).one())
    return bounds
