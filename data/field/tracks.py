"""Where patrols went: GPS fixes placed in the leaf regions (grids), and the
``patrol_visits`` rows every patrol figure reads (coverage, the officers' assessment).

A patrol's visits are one row per (patrol, leaf region, local day) its fixes fell in:

- ``first_at`` / ``last_at`` / ``fixes``: the first and last fix there, and how many;
- ``seconds`` / ``distance_m``: the track's *segments* (two consecutive fixes of the
  patrol) counted in the grid and local day of the segment's **end** fix, so a patrol
  crossing midnight or a grid boundary splits exactly where the fix that crossed lies.
  A segment longer than the patrol gap (``gap_minutes``, Settings.patrol_gap_minutes)
  counts neither time nor distance: the phone was off, nobody knows where the officer went.
- distances are great-circle (haversine, mean Earth radius 6,371,008.8 m) in metres.

A fix outside every leaf region has no visit row, but the segment ending at it still counts
in the patrol's own ``patrols.distance_m`` (the sum of its counted segments): the officer
walked it, only not in a grid of this deployment.

Local days are the deployment's (:func:`data.store.deployment_timezone`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Iterable
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from data import store
from data.intake.placement import _Locator, locator
from data.models import Patrol, PatrolPoint, PatrolVisit

EARTH_RADIUS_M = 6_371_008.8
CHUNK = 900  # ids per IN (...) list: below SQLite's variable limit on every build

@dataclass(frozen=True)
class _Leaves:
    """The leaf boundaries of one kept locator: their own search tree (a point meets one
    grid, not the grid, its community, town and county), ids and tie ranks."""

    tree: shapely.STRtree
    ids: np.ndarray
    rank: np.ndarray


#: Per kept locator (one per store and regions fingerprint), its leaves.
_LEAVES: "weakref.WeakKeyDictionary[_Locator, _Leaves]" = weakref.WeakKeyDictionary()


def _leaves(found: _Locator) -> _Leaves:
    """The leaves of ``found`` (made once per locator)."""
    kept = _LEAVES.get(found)
    if kept is None:
        parents = {region.parent_id for region in found.regions.values()}
        leaf = np.array([int(rid) not in parents for rid in found.ids], dtype=bool)
        kept = _Leaves(shapely.STRtree(found.tree.geometries[leaf]), found.ids[leaf],
                       found.rank[leaf])
        _LEAVES[found] = kept
    return kept


def locate_points(conn: Connection, lon, lat) -> np.ndarray:
    """The leaf region (grid) id of each WGS-84 point, -1 outside every leaf.

    A point on the edge of two grids is in both: the deepest, then the smallest code, wins
    (the placement rule of :mod:`data.intake.placement`, whose kept boundaries this reuses:
    read once per regions version). NaN coordinates are outside.
    """
    lon, lat = _coordinates(lon, lat)
    if lon.size == 0:
        return np.full(0, -1, dtype=np.int64)
    leaves = _leaves(locator(conn))
    return _first_hits(leaves.tree, leaves.ids, leaves.rank, lon, lat)


def locate_in(ids, geometries, codes, lon, lat) -> np.ndarray:
    """:func:`locate_points` over given leaf boundaries (``ids``, shapely ``geometries``,
    ``codes`` for the tie rule) instead of a store's: for a builder whose regions are not
    written yet (the demo)."""
    lon, lat = _coordinates(lon, lat)
    ids = np.asarray(ids, dtype=np.int64)
    if lon.size == 0 or ids.size == 0:
        return np.full(lon.size, -1, dtype=np.int64)
    rank = np.empty(ids.size, dtype=np.int64)
    rank[np.argsort(np.asarray(codes, dtype=object), kind="stable")] = np.arange(ids.size)
    tree = shapely.STRtree(np.asarray(geometries, dtype=object))
    return _first_hits(tree, ids, rank, lon, lat)


def _coordinates(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    if lon.shape != lat.shape or lon.ndim != 1:
        raise ValueError(f"lon and lat must be two 1-d arrays of one length, got shapes "
                         f"{lon.shape} and {lat.shape}")
    return lon, lat


def _first_hits(tree: shapely.STRtree, ids: np.ndarray, rank: np.ndarray,
                lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """For each point, the id of the shape of lowest rank that covers it, else -1."""
    out = np.full(lon.size, -1, dtype=np.int64)
    has = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if has.size == 0 or ids.size == 0:
        return out
    point_i, shape_i = tree.query(shapely.points(lon[has], lat[has]), predicate="intersects")
    if point_i.size == 0:
        return out
    order = np.lexsort((rank[shape_i], point_i))
    point_i, shape_i = point_i[order], shape_i[order]
    first = np.ones(point_i.size, dtype=bool)
    first[1:] = point_i[1:] != point_i[:-1]
    out[has[point_i[first]]] = ids[shape_i[first]]
    return out


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres between WGS-84 points (arrays)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float))
                              for v in (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def visit_rows(fixes: pd.DataFrame, tz: ZoneInfo, gap_minutes: float = 30
               ) -> tuple[pd.DataFrame, pd.Series]:
    """The visits and distances of patrols from their fixes (pure: no database).

    ``fixes`` has columns patrol_id, officer_id, at (naive UTC), lon, lat and region_id
    (the leaf of each fix, -1 outside every leaf), any order. Returns the visit rows
    (patrol_id, region_id, day, officer_id, first_at, last_at, fixes, seconds, distance_m)
    and each patrol's distance in metres (indexed by patrol_id, every patrol of ``fixes``).
    """
    columns = ["patrol_id", "region_id", "day", "officer_id", "first_at", "last_at", "fixes",
               "seconds", "distance_m"]
    if fixes.empty:
        return pd.DataFrame(columns=columns), pd.Series(dtype=float, name="distance_m")
    frame = fixes.sort_values(["patrol_id", "at"], kind="stable").reset_index(drop=True)
    patrol = frame["patrol_id"].to_numpy()
    at = frame["at"].to_numpy().astype("datetime64[us]")
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    n = len(frame)
    seconds = np.zeros(n)
    metres = np.zeros(n)
    if n > 1:
        same = patrol[1:] == patrol[:-1]
        dt = (at[1:] - at[:-1]).astype("timedelta64[us]").astype(np.int64) / 1e6
        counted = same & (dt <= gap_minutes * 60)
        step = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
        seconds[1:] = np.where(counted, dt, 0.0)
        metres[1:] = np.where(counted, step, 0.0)
    frame["seconds"] = seconds
    frame["distance_m"] = metres
    distance = frame.groupby("patrol_id")["distance_m"].sum()
    placed = frame[frame["region_id"].to_numpy() >= 0]
    if placed.empty:
        return pd.DataFrame(columns=columns), distance
    local = (pd.Series(placed["at"].to_numpy().astype("datetime64[us]"), index=placed.index)
             .dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None).dt.floor("D"))
    placed = placed.assign(day=local, at=placed["at"].astype("datetime64[us]"))
    grouped = placed.groupby(["patrol_id", "region_id", "day"], sort=True)
    visits = grouped.agg(officer_id=("officer_id", "first"), first_at=("at", "min"),
                         last_at=("at", "max"), fixes=("at", "size"),
                         seconds=("seconds", "sum"), distance_m=("distance_m", "sum"))
    visits = visits.reset_index()
    visits["day"] = visits["day"].dt.date
    return visits[columns], distance


def stored_fixes(conn: Connection, patrol_ids: list[int]) -> pd.DataFrame:
    """The stored fixes of ``patrol_ids`` (patrol_id, officer_id, at, lon, lat), each
    patrol's in time order."""
    rows: list[tuple] = []
    query = (select(PatrolPoint.patrol_id, Patrol.officer_id, PatrolPoint.at, PatrolPoint.lon,
                    PatrolPoint.lat)
             .join(Patrol, Patrol.id == PatrolPoint.patrol_id)
             .where(PatrolPoint.patrol_id.in_(bindparam("ids", expanding=True)))
             .order_by(PatrolPoint.patrol_id, PatrolPoint.at, PatrolPoint.id))
    for start in range(0, len(patrol_ids), CHUNK):
        rows += conn.execute(query, {"ids": patrol_ids[start:start + CHUNK]}).all()
    frame = pd.DataFrame(rows, columns=["patrol_id", "officer_id", "at", "lon", "lat"])
    frame["at"] = pd.to_datetime(frame["at"]).astype("datetime64[us]")
    return frame


def rebuild_visits(conn: Connection, patrol_ids: Iterable[int], *,
                   gap_minutes: float = 30) -> None:
    """Recompute the ``patrol_visits`` rows and ``patrols.distance_m`` of ``patrol_ids``
    from their stored fixes, in the caller's transaction.

    Each fix is placed in its leaf region (:func:`locate_points`), days are local to the
    deployment; see the module's docstring for how segments count. A patrol with no fixes
    is left with no visit rows and ``distance_m`` None (nothing is known of its way).
    """
    ids = sorted({int(p) for p in patrol_ids})
    if not ids:
        return
    fixes = stored_fixes(conn, ids)
    fixes["region_id"] = locate_points(conn, fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
    write_visits(conn, ids, fixes, gap_minutes)


def write_visits(conn: Connection, patrol_ids: list[int], fixes: pd.DataFrame,
                 gap_minutes: float = 30) -> None:
    """Replace the visit rows and distances of ``patrol_ids`` by those of ``fixes`` (every
    fix of those patrols, placed: the columns of :func:`visit_rows`). The import calls
    this with the fixes it holds in memory, sparing a read back."""
    tz = store.deployment_timezone(conn)
    visits, distance = visit_rows(fixes, tz, gap_minutes)
    table = PatrolVisit.__table__
    for start in range(0, len(patrol_ids), CHUNK):
        conn.execute(delete(table).where(table.c.patrol_id.in_(patrol_ids[start:start + CHUNK])))
    if not visits.empty:
        conn.execute(insert(table), _records(visits))
    metres = [{"b_id": pid, "distance_m": round(float(distance[pid]), 1)
               if pid in distance.index else None} for pid in patrol_ids]
    conn.execute(update(Patrol).where(Patrol.id == bindparam("b_id"))
                 .values(distance_m=bindparam("distance_m")), metres)


def _records(visits: pd.DataFrame) -> list[dict]:
    """Visit rows as plain Python values."""
    return [{"patrol_id": int(p), "region_id": int(r), "day": d, "officer_id": int(o),
             "first_at": f.to_pydatetime(), "last_at": la.to_pydatetime(), "fixes": int(n),
             "seconds": round(float(s), 1), "distance_m": round(float(m), 1)}
            for p, r, d, o, f, la, n, s, m in visits.itertuples(index=False, name=None)]


__all__ = ["haversine_m", "locate_in", "locate_points", "rebuild_visits", "stored_fixes", "visit_rows",
           "write_visits"]
